-- The graphene-sqlalchemy example app's rows, on the tutorial's tables (their text is the
-- conformance corpus's `schema.sql`, as SQLAlchemy 2.0 creates them); hired_on as
-- SQLAlchemy stores `func.now()`.
INSERT INTO department (id, name) VALUES (1, 'Engineering'), (2, 'Human Resources');
INSERT INTO roles (role_id, name) VALUES (1, 'manager'), (2, 'engineer');
INSERT INTO employee (id, name, hired_on, department_id, role_id) VALUES
  (1, 'Peter', strftime('%Y-%m-%d %H:%M:%S.000000', 'now'), 1, 2),
  (2, 'Roy', strftime('%Y-%m-%d %H:%M:%S.000000', 'now'), 1, 2),
  (3, 'Tracy', strftime('%Y-%m-%d %H:%M:%S.000000', 'now'), 2, 1);
