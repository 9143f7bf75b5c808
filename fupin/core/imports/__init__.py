"""The import framework: files from clerks and departments into the platform, every problem located.

One framework serves every upload (the registry template, the department lists of the cross-check,
the measures' delivery lists, and any later one); each module supplies only what is its own:

- its format as data: :class:`~fupin.core.imports.sheets.Sheet` s of typed columns (:mod:`.sheets`);
- the rules only it has, over the typed frame, with their sentences (:func:`.problems.register_rules`);
- the checks against its own tables, and the write, inside its own transaction.

The framework does the rest: reading .xlsx/.xls and CSV in UTF-8 or GBK/GB18030 into text columns
(:mod:`.read`), mapping headers to columns, checking every cell by its column's kind over whole
Polars columns (:mod:`.checks`; :mod:`.lists` for a one-sheet list), locating each problem as
(sheet, Excel row, column, value, rule in Chinese and English) (:mod:`.problems`), the problems
workbook (:mod:`.report`), all-or-nothing versus valid rows only (:mod:`.outcome`), the upload
checks and storage and the job with progress behind every upload page (:mod:`.uploads`,
:mod:`.jobs`), and the command line's progress bar, printout and exit status (:mod:`.cli`).
See docs/adr/0018-one-import-framework.md.
"""
