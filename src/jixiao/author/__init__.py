"""author/: the unit's side — the workbook a unit fills (:mod:`.template`), read into a Report
(:mod:`.workbook`), checked before anything is written (:mod:`.precheck`), scored by the same
:mod:`jixiao.rules` code the review uses, and written out as the standard 自评表 and 自评报告
(:mod:`.documents`) with the review's checks run before submission (:mod:`.pipeline`)."""
