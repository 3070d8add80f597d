using System.Text;
using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Json;

namespace GanetiWebManager.FakeRapi.Tests.Json;

public sealed class PythonJsonTests
{
    [Fact]
    public void Serialize_NestedValues_UsesPythonSeparators()
    {
        var node = new JsonObject { ["a"] = new JsonArray(1, 2, null), ["b"] = new JsonObject { ["c"] = true } };

        Encoding.UTF8.GetString(PythonJson.Serialize(node)).ShouldBe("""{"a": [1, 2, null], "b": {"c": true}}""");
    }

    [Fact]
    public void Spaced_SeparatorsInsideStrings_LeftAlone()
    {
        var spaced = PythonJson.Spaced("""{"k":"a,b:c \"x,y\"","l":[1,2]}"""u8);

        Encoding.UTF8.GetString(spaced).ShouldBe("""{"k": "a,b:c \"x,y\"", "l": [1, 2]}""");
    }

    [Fact]
    public void Serialize_HtmlSensitiveCharacters_NotEscaped()
    {
        // Python's json.dumps leaves <, >, & and + alone; tags such as "a+b" must look the same.
        Encoding.UTF8.GetString(PythonJson.Serialize(JsonValue.Create("a+b<&>'"))).ShouldBe("\"a+b<&>'\"");
    }

    [Fact]
    public void JoinList_EncodedItems_PythonList()
    {
        Encoding.UTF8.GetString(PythonJson.JoinList(["1"u8.ToArray(), "{\"a\": 2}"u8.ToArray()])).ShouldBe("[1, {\"a\": 2}]");
        Encoding.UTF8.GetString(PythonJson.JoinList([])).ShouldBe("[]");
    }

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("can't", "\"can't\"")]
    [InlineData("both ' and \"", "'both \\' and \"'")]
    public void Str_Text_PythonRepr(string text, string repr) => PythonRepr.Str(text).ShouldBe(repr);

    [Fact]
    public void HtmlEscape_Quotes_EscapedAsPython3()
    {
        PythonRepr.HtmlEscape("Can't <\"x\"> & y").ShouldBe("Can&#x27;t &lt;&quot;x&quot;&gt; &amp; y");
    }
}
