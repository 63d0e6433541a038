"""Write {"customers":[...]} from the first N rows of a churnml CSV.

  python3 bench/serve/make_batch.py DATA.csv 100 OUT.json

Numbers are sent as JSON numbers and a blank TotalCharges as null; the
Churn column is dropped. Standard library only.
"""
import csv
import json
import sys

INTEGER = {"SeniorCitizen", "tenure"}
NUMERIC = {"MonthlyCharges", "TotalCharges"}


def convert(row):
    out = {}
    for key, value in row.items():
        if key == "Churn":
            continue
        if key in INTEGER:
            out[key] = int(value)
        elif key in NUMERIC:
            out[key] = float(value) if value.strip() else None
        else:
            out[key] = value
    return out


def main(data_path, count, out_path):
    with open(data_path, newline="") as f:
        reader = csv.DictReader(f)
        customers = [convert(row) for _, row in zip(range(count), reader)]
    with open(out_path, "w") as f:
        json.dump({"customers": customers}, f, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
