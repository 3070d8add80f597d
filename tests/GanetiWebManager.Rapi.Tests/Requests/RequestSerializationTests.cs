using System.Text.Json;
using System.Text.Json.Nodes;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi.Tests.Requests;

public sealed class RequestSerializationTests
{
    [Fact]
    public void DeviceModification_NamedTarget_WritesThreeElements()
    {
        var request = new ModifyInstanceRequest
        {
            Disks = [DeviceModification.Create("detach", "data-disk"), DeviceModification.Add(new Dictionary<string, object?> { ["size"] = 2048L, ["mode"] = "rw" })],
        };

        JsonSerializer.Serialize(request, RapiJsonContext.Default.ModifyInstanceRequest)
            .ShouldBe("""{"disks":[["detach","data-disk",{}],["add",{"size":2048,"mode":"rw"}]]}""");
    }

    [Fact]
    public void DeviceModification_UnknownAction_Throws()
    {
        Should.Throw<ArgumentException>(() => DeviceModification.Create("explode", 0));
    }

    [Fact]
    public void ParameterValues_NestedCollections_AreWritten()
    {
        var request = new ModifyInstanceRequest
        {
            HvParams = new Dictionary<string, object?>
            {
                ["cpu_mask"] = new List<string> { "0", "1" },
                ["nested"] = new Dictionary<string, object> { ["x"] = 1.5 },
                ["json"] = JsonNode.Parse("""{"a": [1, 2]}"""),
                ["none"] = null,
            },
        };

        JsonSerializer.Serialize(request, RapiJsonContext.Default.ModifyInstanceRequest)
            .ShouldBe("""{"hvparams":{"cpu_mask":["0","1"],"nested":{"x":1.5},"json":{"a":[1,2]},"none":null}}""");
    }

    [Fact]
    public void QueryFilter_SourceChangedAfterwards_FilterStaysUnchanged()
    {
        var source = new JsonArray("==", "name", "a");
        var filter = QueryFilter.FromJson(source);
        source.Add("extra");

        filter.ToString().ShouldBe("""["==","name","a"]""");
        filter.ToJson().Add("more");
        filter.ToString().ShouldBe("""["==","name","a"]""");
    }

    [Fact]
    public void QueryFilter_Contains_UsesListOperator()
    {
        QueryFilter.Contains("tags", "gwm:owner:user:alice").ToJson()[0]!.GetValue<string>().ShouldBe("=[]");
    }
}
