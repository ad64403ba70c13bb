-- The graphene-sqlalchemy tutorial's database: its tables exactly as SQLAlchemy 2.0 creates
-- them, and the example app's rows (hired_on as SQLAlchemy stores `func.now()`).
CREATE TABLE department (
	id INTEGER NOT NULL, 
	name VARCHAR, 
	PRIMARY KEY (id)
);
CREATE TABLE roles (
	role_id INTEGER NOT NULL, 
	name VARCHAR, 
	PRIMARY KEY (role_id)
);
CREATE TABLE employee (
	id INTEGER NOT NULL, 
	name VARCHAR, 
	hired_on DATETIME, 
	department_id INTEGER, 
	role_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(department_id) REFERENCES department (id), 
	FOREIGN KEY(role_id) REFERENCES roles (role_id)
);
INSERT INTO department (id, name) VALUES (1, 'Engineering'), (2, 'Human Resources');
INSERT INTO roles (role_id, name) VALUES (1, 'manager'), (2, 'engineer');
INSERT INTO employee (id, name, hired_on, department_id, role_id) VALUES
  (1, 'Peter', strftime('%Y-%m-%d %H:%M:%S.000000', 'now'), 1, 2),
  (2, 'Roy', strftime('%Y-%m-%d %H:%M:%S.000000', 'now'), 1, 2),
  (3, 'Tracy', strftime('%Y-%m-%d %H:%M:%S.000000', 'now'), 2, 1);
