using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract;

/// <summary>
/// The HTTP layer byte for byte, past the typed client: status codes, error bodies (Python's spacing, HTML-escaped
/// messages, a final newline), the Basic challenge, <c>Connection: close</c>, and the order in which the server checks
/// a request.
/// None of these requests submits a job.
/// </summary>
public abstract class RapiProtocolContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    private const string Body401 = """{"code": 401, "message": "Unauthorized", "explain": "No permission -- see authorization schemes"}""";
    private const string Body403 = """{"code": 403, "message": "Forbidden", "explain": "Request forbidden -- authorization will not help"}""";
    private const string Body404 = """{"code": 404, "message": "Not Found", "explain": "Nothing matches the given URI"}""";
    private const string Body415 = """{"code": 415, "message": "Unsupported Media Type", "explain": "Entity body in unsupported format"}""";

    [Fact]
    public async Task Get_Version_JsonWithConnectionClose()
    {
        var answer = await RawAsync(HttpMethod.Get, "/version");

        answer.Status.ShouldBe(200);
        answer.Body.ShouldBe("2\n");
        answer.ContentType.ShouldBe("application/json");
        answer.ConnectionClose.ShouldBeTrue();
    }

    [Fact]
    public async Task AnyPath_NoCredentials_401WithBasicChallenge()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/info", anonymous: true);

        answer.Status.ShouldBe(401);
        answer.Body.ShouldBe(Body401 + "\n");
        answer.WwwAuthenticate.ShouldBe("Basic realm=\"Ganeti Remote API\"");
        answer.ContentType.ShouldBe("application/json");
        answer.ConnectionClose.ShouldBeTrue();
    }

    [Fact]
    public async Task AnyPath_WrongPassword_401()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/info", credentials: (Target.User, Target.Password + "-wrong"));

        answer.Status.ShouldBe(401);
        answer.Body.ShouldBe(Body401 + "\n");
    }

    [Fact]
    public async Task UnknownPath_WrongPassword_404BeforeCredentialsAreChecked()
    {
        // The server looks the path up before it verifies credentials (but after it sees that some were sent).
        var answer = await RawAsync(HttpMethod.Get, "/2/ct-no-such-resource", credentials: (Target.User, Target.Password + "-wrong"));

        answer.Status.ShouldBe(404);
        answer.Body.ShouldBe(Body404 + "\n");
    }

    [Fact]
    public async Task Write_ReadOnlyUser_403()
    {
        var answer = await RawAsync(HttpMethod.Put, "/2/redistribute-config", credentials: (Target.ReadOnlyUser, Target.ReadOnlyPassword));

        answer.Status.ShouldBe(403);
        answer.Body.ShouldBe(Body403 + "\n");
    }

    [Fact]
    public async Task LongPoll_ReadOnlyUser_403()
    {
        var answer = await RawAsync(
            HttpMethod.Get, "/2/jobs/1/wait", """{"fields": ["status"], "previous_job_info": null, "previous_log_serial": null}""",
            credentials: (Target.ReadOnlyUser, Target.ReadOnlyPassword));

        answer.Status.ShouldBe(403);
        answer.Body.ShouldBe(Body403 + "\n");
    }

    [Theory]
    [InlineData("/2/ct-no-such-resource")]
    [InlineData("/2/instances/ct-no-such-instance")]
    [InlineData("/2/instances/with%20space")]
    [InlineData("/2/jobs/not-a-number")]
    [InlineData("/2/")]
    public async Task Get_UnknownPathOrObject_404(string path)
    {
        var answer = await RawAsync(HttpMethod.Get, path);

        answer.Status.ShouldBe(404);
        answer.Body.ShouldBe(Body404 + "\n");
    }

    [Fact]
    public async Task Body_TextContentType_415()
    {
        var answer = await RawAsync(HttpMethod.Put, "/2/redistribute-config", "{}", "text/plain");

        answer.Status.ShouldBe(415);
        answer.Body.ShouldBe(Body415 + "\n");
    }

    [Fact]
    public async Task Body_ReadOnlyUserAndWrongContentType_403BeforeContentType()
    {
        var answer = await RawAsync(HttpMethod.Put, "/2/redistribute-config", "{}", "text/plain", (Target.ReadOnlyUser, Target.ReadOnlyPassword));

        answer.Status.ShouldBe(403);
    }

    [Fact]
    public async Task Body_NotJson_400()
    {
        var answer = await RawAsync(HttpMethod.Put, "/2/tags?tag=ct-never-added", "{not json");

        answer.Status.ShouldBe(400);
        answer.Body.ShouldBe("""{"code": 400, "message": "Unable to parse JSON data", "explain": "Bad request syntax or unsupported method"}""" + "\n");
    }

    [Fact]
    public async Task Method_Unsupported_501NamesMethodAndPath()
    {
        var answer = await RawAsync(HttpMethod.Post, "/version");

        answer.Status.ShouldBe(501);
        answer.Body.ShouldBe("""{"code": 501, "message": "Method POST is unsupported for path /version", "explain": "Server does not support this operation"}""" + "\n");
    }

    [Fact]
    public async Task QueryArgument_NotAnInteger_400WithEscapedMessage()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/instances?bulk=true");

        answer.Status.ShouldBe(400);
        answer.Body.ShouldBe("""{"code": 400, "message": "Invalid value for the &#x27;bulk&#x27; parameter", "explain": "Bad request syntax or unsupported method"}""" + "\n");
    }

    [Fact]
    public async Task Root_Get_AnswersNull()
    {
        (await RawAsync(HttpMethod.Get, "/")).Body.ShouldBe("null\n");
        (await RawAsync(HttpMethod.Get, "/2")).Body.ShouldBe("null\n");
    }

    [Fact]
    public async Task Job_Unknown_200WithEveryFieldNull()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/jobs/987654321");

        answer.Status.ShouldBe(200);
        answer.Body.ShouldBe("""{"id": 987654321, "ops": null, "status": null, "summary": null, "opstatus": null, "received_ts": null, "start_ts": null, "end_ts": null, "oplog": null, "opresult": null}""" + "\n");
    }

    [Fact]
    public async Task LongPoll_UnknownJob_500CantLoadJobFile()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/jobs/987654321/wait", """{"fields": ["status"], "previous_job_info": null, "previous_log_serial": null}""");

        answer.Status.ShouldBe(500);
        answer.Body.ShouldBe("""{"code": 500, "message": "Can&#x27;t load job file", "explain": "Server got itself in trouble"}""" + "\n");
    }

    [Fact]
    public async Task LongPoll_WithoutFields_400()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/jobs/1/wait", """{"previous_job_info": null}""");

        answer.Status.ShouldBe(400);
        answer.Body.ShouldBe("""{"code": 400, "message": "Required parameter &#x27;fields&#x27; is missing", "explain": "Bad request syntax or unsupported method"}""" + "\n");
    }

    [Fact]
    public async Task CancelJob_Unknown_FalseNotInQueue()
    {
        var answer = await RawAsync(HttpMethod.Delete, "/2/jobs/987654321");

        answer.Body.ShouldBe("""[false, "Job 987654321 not found in queue"]""" + "\n");
    }

    [Fact]
    public async Task CreateInstance_WithoutVersion_400()
    {
        var answer = await RawAsync(HttpMethod.Post, "/2/instances?dry-run=1", """{"mode": "create", "name": "ct-never-created", "disk_template": "diskless", "disks": [], "nics": []}""");

        answer.Status.ShouldBe(400);
        answer.Body.ShouldBe("""{"code": 400, "message": "Instance creation request version 0 is no longer supported", "explain": "Bad request syntax or unsupported method"}""" + "\n");
    }

    [Fact]
    public async Task CreateInstance_UnknownParameter_400NamesIt()
    {
        var answer = await RawAsync(
            HttpMethod.Post,
            "/2/instances?dry-run=1",
            """{"__version__": 1, "mode": "create", "name": "ct-never-created", "disk_template": "diskless", "disks": [], "nics": [], "ct_bogus": 1}""");

        answer.Status.ShouldBe(400);
        answer.Body.ShouldBe("""{"code": 400, "message": "Invalid body parameters: Object OpInstanceCreate doesn&#x27;t support the parameter &#x27;ct_bogus&#x27;", "explain": "Bad request syntax or unsupported method"}""" + "\n");
    }

    [Fact]
    public async Task CreateInstance_WrongType_400NamesOpcodeParameter()
    {
        var answer = await RawAsync(
            HttpMethod.Post,
            "/2/instances?dry-run=1",
            """{"__version__": 1, "mode": "create", "name": "ct-never-created", "disk_template": "diskless", "disks": [], "nics": [], "start": "yes"}""");

        answer.Status.ShouldBe(400);
        answer.Body.ShouldBe("""{"code": 400, "message": "Invalid body parameters: (&quot;Parameter &#x27;OP_INSTANCE_CREATE.start&#x27; fails validation&quot;, &#x27;wrong_input&#x27;)", "explain": "Bad request syntax or unsupported method"}""" + "\n");
    }

    [Fact]
    public async Task CreateInstance_DryRunInBody_400StaticParameter()
    {
        var answer = await RawAsync(
            HttpMethod.Post,
            "/2/instances?dry-run=1",
            """{"__version__": 1, "mode": "create", "name": "ct-never-created", "disk_template": "diskless", "disks": [], "nics": [], "dry_run": true}""");

        answer.Status.ShouldBe(400);
        answer.Body.ShouldBe("""{"code": 400, "message": "Can&#x27;t overwrite static parameters {&#x27;dry_run&#x27;}", "explain": "Bad request syntax or unsupported method"}""" + "\n");
    }

    [Fact]
    public async Task Modify_AliasAndRealName_400()
    {
        var answer = await RawAsync(HttpMethod.Put, "/2/instances/ct-not-there/modify", """{"beparams": {}, "custom_beparams": {}}""");

        answer.Status.ShouldBe(400);
        answer.Body.ShouldBe("""{"code": 400, "message": "Parameter &#x27;custom_beparams&#x27; was renamed to &#x27;beparams&#x27;, but both are specified", "explain": "Bad request syntax or unsupported method"}""" + "\n");
    }

    [Fact]
    public async Task Reinstall_BodyAndQueryArgument_400()
    {
        var answer = await RawAsync(HttpMethod.Post, "/2/instances/ct-not-there/reinstall?reason=ct", """{"os": "noop"}""");

        answer.Status.ShouldBe(400);
        answer.Body.ShouldBe("""{"code": 400, "message": "Can&#x27;t combine query and body parameters", "explain": "Bad request syntax or unsupported method"}""" + "\n");
    }

    [Theory]
    [InlineData("\"master\"", "Can&#x27;t set &#x27;master&#x27; role")]
    [InlineData("\"ct-bogus\"", "Can&#x27;t set &#x27;ct-bogus&#x27; role")]
    [InlineData("{\"role\": \"drained\"}", "Body contents: Type is &#x27;dict&#x27;, but &#x27;str&#x27; is expected")]
    public async Task NodeRole_InvalidRole_400(string body, string message)
    {
        var answer = await RawAsync(HttpMethod.Put, $"/2/nodes/{Target.Nodes[0]}/role", body);

        answer.Status.ShouldBe(400);
        answer.Body.ShouldBe($$"""{"code": 400, "message": "{{message}}", "explain": "Bad request syntax or unsupported method"}""" + "\n");
    }

    [Fact]
    public async Task Console_UnknownInstance_500()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/instances/ct-not-there/console");

        answer.Status.ShouldBe(500);
        answer.Body.ShouldBe("""{"code": 500, "message": "list index out of range", "explain": "Server got itself in trouble"}""" + "\n");
    }

    [Fact]
    public async Task Tags_UnknownInstance_500WithLuxiError()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/instances/ct-not-there/tags");

        answer.Status.ShouldBe(500);
        answer.Body.ShouldBe("""{"code": 500, "message": "(&#x27;Instance name ct-not-there not found&#x27;, &#x27;unknown_entity&#x27;)", "explain": "Server got itself in trouble"}""" + "\n");
    }

    [Fact]
    public async Task NodeRole_UnknownNode_500()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/nodes/ct-no-such-node/role");

        answer.Status.ShouldBe(500);
        answer.Body.ShouldBe("""{"code": 500, "message": "list index out of range", "explain": "Server got itself in trouble"}""" + "\n");
    }

    [Fact]
    public async Task Query_WithoutFields_400()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/query/instance");

        answer.Status.ShouldBe(400);
        answer.Body.ShouldBe("""{"code": 400, "message": "Missing &#x27;fields&#x27; query argument", "explain": "Bad request syntax or unsupported method"}""" + "\n");
    }

    [Fact]
    public async Task Query_ClusterResource_500()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/query/cluster?fields=name");

        answer.Status.ShouldBe(500);
        answer.Body.ShouldBe("""{"code": 500, "message": "Query &#x27;ItemTypeOpCode QRCluster&#x27; not supported", "explain": "Server got itself in trouble"}""" + "\n");
    }

    [Fact]
    public async Task Query_UnknownFilterOperator_502()
    {
        var answer = await RawAsync(HttpMethod.Put, "/2/query/instance", """{"fields": ["name"], "qfilter": ["~~", "name", 1]}""");

        answer.Status.ShouldBe(502);
        answer.Body.ShouldContain("Unknown filter operand &#x27;~~&#x27;");
    }

    [Fact]
    public async Task Query_FieldsFromQueryString_ReadOnlyUserMayUseIt()
    {
        var answer = await RawAsync(HttpMethod.Get, "/2/query/node?fields=name,%20role", credentials: (Target.ReadOnlyUser, Target.ReadOnlyPassword));

        answer.Status.ShouldBe(200);
        answer.Body.ShouldStartWith("{\"data\": [[[0, \"");
        answer.Body.ShouldEndWith("""], "fields": [{"name": "name", "title": "Node", "kind": "text", "doc": "Node name"}, {"name": "role", "title": "Role", "kind": "text", "doc": "Node role; \"M\" for master, \"C\" for master candidate, \"R\" for regular, \"D\" for drained, \"O\" for offline"}]}""" + "\n");
    }
}
