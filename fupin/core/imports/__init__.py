"""The import framework: files from clerks and departments into the platform, every problem located.

One framework serves every upload (the registry template, the department lists of the cross-check,
the measures' delivery lists, and any later one); each module supplies only what is its own:

- its format as data: :class:`~fupin.core.imports.sheets.Sheet` s of typed columns (:mod:`.sheets`);
- the rules only it has, over the typed frame, with their sentences (:func:`.problems.register_rules`);
- the checks against its own tables, and the write, inside its own transaction.

The framework does the rest: looking at every file before any parser runs (:mod:`.safety`: its type by
content, a workbook's zip entries and dimensions, a CSV file's rows, columns and strict encoding), reading
.xlsx/.xls and CSV in UTF-8 or GBK/GB18030 into text columns in a child process with a memory and a time
limit (:mod:`.read`, :mod:`.parse`; ADR 0019), mapping headers to columns, checking every cell by its column's kind over whole
Polars columns (:mod:`.checks`; :mod:`.lists` for a one-sheet list), locating each problem as
(sheet, Excel row, column, value, rule in Chinese and English) (:mod:`.problems`), the problems
workbook (:mod:`.report`), all-or-nothing versus valid rows only (:mod:`.outcome`), the upload
checks and storage and the job with progress behind every upload page (:mod:`.uploads`,
:mod:`.jobs`), one import writing at a time (:mod:`.lock`: the transaction every importer writes in), and
the command line's progress bar, printout and exit status (:mod:`.cli`).
See docs/adr/0018-one-import-framework.md.
"""
