-- Benchmark database (../bench.sql) for PostgreSQL: the same 20 departments, 50 roles and
-- 20,000 employees, row for row, generated in SQL (generate_series instead of SQLite's
-- recursive CTEs and printf/strftime).
-- Usage (empty database): psql -X -q -v ON_ERROR_STOP=1 -d URL -f benches/pg/bench.sql
-- Tables exactly as SQLAlchemy 2.0 creates the original's models on PostgreSQL
-- (metadata.create_all; the same schema as ../../tests/pg/tutorial.sql):
CREATE TABLE department (
	id SERIAL NOT NULL, 
	name VARCHAR, 
	PRIMARY KEY (id)
);
CREATE TABLE roles (
	role_id SERIAL NOT NULL, 
	name VARCHAR, 
	PRIMARY KEY (role_id)
);
CREATE TABLE employee (
	id SERIAL NOT NULL, 
	name VARCHAR, 
	hired_on TIMESTAMP WITHOUT TIME ZONE, 
	department_id INTEGER, 
	role_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(department_id) REFERENCES department (id), 
	FOREIGN KEY(role_id) REFERENCES roles (role_id)
);
-- DATA
BEGIN;
INSERT INTO department (id, name) SELECT i, 'Department ' || lpad(i::text, 2, '0') FROM generate_series(1, 20) i;
INSERT INTO roles (role_id, name) SELECT i, 'role-' || lpad(i::text, 2, '0') FROM generate_series(1, 50) i;
-- name: 5,000 distinct names, each used by 4 employees, not in id order
-- department_id: 1000 employees per department; role_id: 400 employees per role
INSERT INTO employee (id, name, hired_on, department_id, role_id)
SELECT i,
       'Employee ' || lpad(((i * 7919) % 5000)::text, 4, '0'),
       timestamp '2015-01-01 00:00:00' + ((i * 7877) % 3000) * interval '1 day'
                                       + ((i * 4099) % 86400) * interval '1 second',
       ((i * 31) % 20) + 1,
       ((i * 17) % 50) + 1
FROM generate_series(1, 20000) i;
-- the SERIALs' sequences continue after the rows, as if the rows had been inserted through them
SELECT setval(pg_get_serial_sequence('department', 'id'), 20);
SELECT setval(pg_get_serial_sequence('roles', 'role_id'), 50);
SELECT setval(pg_get_serial_sequence('employee', 'id'), 20000);
COMMIT;
ANALYZE;
