#!/usr/bin/env python3
"""Writes filter-heavy requests, for record.py to record from the original as cases.

    tests/differential/filter_cases.py --seed 1 --count 40 > /tmp/filters.jsonl
    tests/differential/record.py /tmp/filters.jsonl

Each request asks several root connections at once, each with a random filter that goes
through relationships (many-to-one, `contains`, `and`/`or`) up to three levels deep, so the
recorded answers pin down what every filter shape selects, whatever SQL relaylite builds.
"""
import argparse
import json
import random

# What a filter on each type may name: columns with sample values, and relationships.
COLUMNS = {
    "Employee": {"id": ["1", "3", "7", "13", "99"], "name": ["Peter", "Roy", "anna", "%a%", "P%", "Zoë Ångström"],
                 "hiredOn": ["2020-01-02T03:04:05", "2019-01-01", "2021-06-15T12:30:45.123456"],
                 "departmentId": [1, 2, 3, 4], "roleId": [1, 2, 3, 4]},
    "Department": {"id": ["1", "2", "3", "4"], "name": ["Engineering", "Human Resources", "%e%", "R%"]},
    "Role": {"roleId": ["1", "2", "3", "4"], "name": ["manager", "engineer", "intern", "%er%"]},
}
TO_ONE = {"Employee": {"department": "Department", "role": "Role"}}
TO_MANY = {"Department": {"employees": "Employee"}, "Role": {"roles": "Employee"}}
OPS = {"id": ["eq", "in", "nEq", "notIn"], "roleId": ["eq", "in", "nEq", "notIn"],
       "name": ["eq", "ilike", "in", "like", "nEq", "notIn", "notlike"]}
ORDERED = ["eq", "gt", "gte", "in", "lt", "lte", "nEq", "notIn"]


def scalar_filter(r, type_name, column):
    ops = OPS.get(column, ORDERED)
    if type_name == "Employee" and column == "id":
        ops = OPS["id"]
    op = r.choice(ops)
    values = COLUMNS[type_name][column]
    if op in ("in", "notIn"):
        return {op: r.sample(values, r.randint(0, 2))}
    if op in ("eq", "nEq") and r.random() < 0.15:
        return {op: None}
    return {op: r.choice(values)}


def filter_value(r, type_name, depth):
    out = {}
    for _ in range(r.randint(1, 2)):
        kind = r.random()
        if kind < 0.4 or depth >= 3:
            column = r.choice(list(COLUMNS[type_name]))
            out[column] = scalar_filter(r, type_name, column)
        elif kind < 0.6 and type_name in TO_ONE:
            name, target = r.choice(list(TO_ONE[type_name].items()))
            out[name] = filter_value(r, target, depth + 1)
        elif kind < 0.8 and type_name in TO_MANY:
            name, target = r.choice(list(TO_MANY[type_name].items()))
            entries = [filter_value(r, target, depth + 1) if r.random() < 0.85 else {}
                       for _ in range(r.randint(0, 2))]
            out[name] = {"contains": entries}
        else:
            out[r.choice(["and", "or"])] = [filter_value(r, type_name, depth + 1) for _ in range(r.randint(1, 2))]
    return out


def literal(v):
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(literal(x) for x in v) + "]"
    return "{" + ", ".join(f"{k}: {literal(x)}" for k, x in v.items()) + "}"


ROOTS = [("allEmployees", "Employee", "sort: [ID_ASC], ", "id name"),
         ("allRoles", "Role", "sort: [ROLE_ID_ASC], ", "roleId name"),
         ("allDepartments", "Department", "", "id name")]


def request(r):
    parts = []
    for i in range(4):
        field, type_name, sort, columns = r.choice(ROOTS)
        f = literal(filter_value(r, type_name, 0))
        parts.append(f"f{i}: {field}({sort}filter: {f}) {{ edges {{ node {{ {columns} }} }} }}")
    return "{ " + " ".join(parts) + " }"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=40)
    args = ap.parse_args()
    r = random.Random(args.seed)
    for n in range(args.count):
        print(json.dumps({"name": f"filter_shapes_{args.seed}_{n:02}", "query": request(r)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
