-- Q2's two statements alone, without the transaction around them (see q2_request.sql).
SELECT "employee"."id", "employee"."name", CAST("employee"."hired_on" AS text), "employee"."department_id", NULL FROM "employee" WHERE "employee"."id" = 12345;
SELECT "department"."id", "department"."name", "department"."id" FROM "department" WHERE "department"."id" IN (SELECT CAST(v #>> '{}' AS integer) FROM json_array_elements(CAST('[16]' AS json)) AS j(v));
