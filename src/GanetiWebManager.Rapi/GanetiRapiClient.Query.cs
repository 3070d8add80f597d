using System.Text.Json;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi;

public sealed partial class GanetiRapiClient
{
    /// <inheritdoc />
    public async Task<QueryResult> QueryAsync(string resource, IEnumerable<string> fields, QueryFilter? filter = null, CancellationToken ct = default)
    {
        var path = $"/2/query/{RapiPath.Name(resource, nameof(resource))}";
        ArgumentNullException.ThrowIfNull(fields);
        var fieldList = fields.ToList();
        if (fieldList.Count == 0 || fieldList.Any(f => string.IsNullOrWhiteSpace(f) || f.Contains(',', StringComparison.Ordinal)))
        {
            throw new ArgumentException("Give at least one field; field names cannot be empty or contain ','.", nameof(fields));
        }

        RapiRequest request;
        if (filter is null)
        {
            request = new RapiRequest(HttpMethod.Get, new QueryString().Add("fields", string.Join(',', fieldList)).AppendTo(path));
        }
        else
        {
            // Ganeti before 2.8 read "filter"; newer ones "qfilter". Sending both works everywhere.
            var body = new QueryBody { Fields = fieldList, QFilter = filter, Filter = filter };
            request = new RapiRequest(HttpMethod.Put, path, JsonSerializer.SerializeToUtf8Bytes(body, RapiJsonContext.Default.QueryBody));
        }

        var root = await _connection.SendAsync(request, ReadElementAsync, ct);
        return QueryResultReader.Read(root);
    }
}
