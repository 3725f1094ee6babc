"""Peer P4a of .ci/perf.sh: read every value of a workbook's first sheet
with openpyxl in read-only mode, the way a Python script would before
sending leads anywhere. Values only (data_only: cached formula results), no
processing, so this is openpyxl's bare reading cost.

    /usr/bin/python3 testdata/peers/openpyxl_read.py FILE.xlsx
"""
import sys

from openpyxl import load_workbook


def main(path):
    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = cells = 0
    for row in ws.iter_rows(values_only=True):
        rows += 1
        cells += sum(1 for v in row if v is not None)
    wb.close()
    print(f"rows={rows} cells={cells}")


if __name__ == "__main__":
    main(sys.argv[1])
