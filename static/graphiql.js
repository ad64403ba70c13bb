// Mounts GraphiQL on this server's own /graphql endpoint, opening with the example app's query.
(function () {
  var defaultQuery = [
    '{',
    '  allEmployees(sort: [NAME_ASC, ID_ASC]) {',
    '    edges {',
    '      node {',
    '        id',
    '        name',
    '        department {',
    '          id',
    '          name',
    '        }',
    '        role {',
    '          id',
    '          name',
    '        }',
    '      }',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: defaultQuery,
    defaultEditorToolsVisibility: true
  }));
})();
