// /api/docs: Swagger UI (served from the swagger-ui-bundle package) over /api/openapi.json.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("swagger-ui");
    window.ui = window.SwaggerUIBundle({
      url: box.getAttribute("data-openapi"),
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      validatorUrl: null
    });
  });
})();
