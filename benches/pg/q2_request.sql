-- Q2's statements as relaylite sends them for one request (see --log-sql and PostgreSQL's
-- log_statement): its read-only transaction, the employee by key, the department by key.
-- For pgbench: the transaction's five round trips against q2_bare.sql's two.
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SET LOCAL statement_timeout = 10000;
SELECT "employee"."id", "employee"."name", CAST("employee"."hired_on" AS text), "employee"."department_id", NULL FROM "employee" WHERE "employee"."id" = 12345;
SELECT "department"."id", "department"."name", "department"."id" FROM "department" WHERE "department"."id" IN (SELECT CAST(v #>> '{}' AS integer) FROM json_array_elements(CAST('[16]' AS json)) AS j(v));
COMMIT;
