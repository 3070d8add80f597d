using GanetiWebManager.Web.Features.Jobs;

namespace GanetiWebManager.Web.Tests.Features.Jobs;

public sealed class JobLogTests
{
    [Fact]
    public void Parse_PortalShape_ReadsEveryField()
    {
        var lines = JobLog.Parse("""[{"serial":7,"time":"2026-11-21T12:00:01.250Z","type":"message","message":"* creating instance disks..."}]""");

        lines.ShouldBe([new JobLogLine(7, new DateTimeOffset(2026, 11, 21, 12, 0, 1, 250, TimeSpan.Zero), "message", "* creating instance disks...")]);
    }

    [Fact]
    public void Parse_RapiShape_ReadsSecondsAndMicroseconds()
    {
        var lines = JobLog.Parse("""[[3, [1795348800, 500000], "message", "done"]]""");

        lines.Single().ShouldBe(new JobLogLine(3, DateTimeOffset.FromUnixTimeMilliseconds(1795348800500), "message", "done"));
    }

    [Fact]
    public void Parse_StructuredMessage_IsShownAsItsJson()
    {
        var line = JobLog.Parse("""[{"serial":1,"time":null,"type":"remote-import","message":{"x509_ca":"...","disks":[]}}]""").Single();

        line.Type.ShouldBe("remote-import");
        line.Time.ShouldBeNull();
        line.Message.ShouldContain("x509_ca");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("[1, \"x\"]")]
    [InlineData("[{\"serial\":1,\"time\":[\"a\",\"b\"],\"message\":\"m\"}]")]
    [InlineData("[{\"serial\":1,\"time\":1e300,\"message\":\"m\"}]")]
    public void Parse_MalformedLog_NeverThrows(string? json) =>
        Should.NotThrow(() => JobLog.Parse(json));
}
