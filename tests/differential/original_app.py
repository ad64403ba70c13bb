"""The original: graphene-sqlalchemy's flask_sqlalchemy example app, in a few lines of our own.

Serves POST/GET /graphql on the SQLite file named by RELAYLITE_ORIGINAL_DB, exactly as the
example app defines its models and schema. Run with gunicorn (see setup.sh / run.py).
RELAYLITE_ORIGINAL_URL, when set, is an SQLAlchemy database URL served instead, e.g. PostgreSQL's
postgresql://postgres@127.0.0.1:5432/tutorial (`postgres://` is accepted too; see tests/pg/).
"""
import os

import graphene
from flask import Flask
from graphene import relay
from graphene_sqlalchemy import SQLAlchemyConnectionField, SQLAlchemyObjectType
from graphql_server.flask.views import GraphQLView
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, create_engine, func
from sqlalchemy.orm import backref, declarative_base, relationship, scoped_session, sessionmaker

url = os.environ.get("RELAYLITE_ORIGINAL_URL") or "sqlite:///" + os.environ.get("RELAYLITE_ORIGINAL_DB", "fixture.sqlite3")
engine = create_engine(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
db_session = scoped_session(sessionmaker(autocommit=False, autoflush=False, bind=engine))
Base = declarative_base()
Base.query = db_session.query_property()


class DepartmentModel(Base):
    __tablename__ = "department"
    id = Column(Integer, primary_key=True)
    name = Column(String)


class RoleModel(Base):
    __tablename__ = "roles"
    role_id = Column(Integer, primary_key=True)
    name = Column(String)


class EmployeeModel(Base):
    __tablename__ = "employee"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    hired_on = Column(DateTime, default=func.now())
    department_id = Column(Integer, ForeignKey("department.id"))
    role_id = Column(Integer, ForeignKey("roles.role_id"))
    department = relationship(DepartmentModel, backref=backref("employees", uselist=True, cascade="delete,all"))
    role = relationship(RoleModel, backref=backref("roles", uselist=True, cascade="delete,all"))


class Department(SQLAlchemyObjectType):
    class Meta:
        model = DepartmentModel
        interfaces = (relay.Node,)


class Employee(SQLAlchemyObjectType):
    class Meta:
        model = EmployeeModel
        interfaces = (relay.Node,)


class Role(SQLAlchemyObjectType):
    class Meta:
        model = RoleModel
        interfaces = (relay.Node,)


class Query(graphene.ObjectType):
    node = relay.Node.Field()
    all_employees = SQLAlchemyConnectionField(Employee.connection, sort=Employee.sort_argument())
    all_roles = SQLAlchemyConnectionField(Role.connection)
    all_departments = SQLAlchemyConnectionField(Department.connection, sort=None)


schema = graphene.Schema(query=Query)

app = Flask(__name__)
app.add_url_rule("/graphql", view_func=GraphQLView.as_view("graphql", schema=schema.graphql_schema, graphql_ide="graphiql"))


@app.teardown_appcontext
def shutdown_session(exception=None):
    db_session.remove()
