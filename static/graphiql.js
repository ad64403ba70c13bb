// Mounts GraphiQL on this server's own /graphql endpoint, opening with the server's example query.
(function () {
  // The server writes the opening query into the page: an example built for its schema.
  var defaultQuery = JSON.parse(document.getElementById('example-query').textContent);
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: defaultQuery,
    defaultEditorToolsVisibility: true
  }));
})();
