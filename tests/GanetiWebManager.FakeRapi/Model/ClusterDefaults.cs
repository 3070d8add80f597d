using System.Reflection;
using System.Text.Json.Nodes;

namespace GanetiWebManager.FakeRapi.Model;

/// <summary>
/// Cluster-wide parameters, taken from the <c>/2/info</c> answer of the real Ganeti 3.0.2 sandbox: every hypervisor's
/// defaults, beparams, nicparams, ndparams, diskparams and the default instance policy.
/// </summary>
internal sealed class ClusterDefaults
{
    /// <summary>Hypervisor parameters that are cluster-wide only and therefore never appear in an instance's
    /// effective hvparams (Ganeti's HVC_GLOBALS).</summary>
    private static readonly HashSet<string> GlobalHvParams = ["migration_bandwidth", "migration_mode", "migration_port", "xen_cmd"];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> _encoded = new(StringComparer.Ordinal);

    private ClusterDefaults(JsonObject info) => Info = info;

    /// <summary>The recorded <c>/2/info</c> answer (a template: name, master, times and the like are replaced).</summary>
    public JsonObject Info { get; }

    public JsonObject HvParams => (JsonObject)Info["hvparams"]!;

    public JsonObject BeParams => (JsonObject)Info["beparams"]!["default"]!;

    public JsonObject NicParams => (JsonObject)Info["nicparams"]!["default"]!;

    public JsonObject NdParams => (JsonObject)Info["ndparams"]!;

    public JsonObject DiskParams => (JsonObject)Info["diskparams"]!;

    public JsonObject IPolicy => (JsonObject)Info["ipolicy"]!;

    public string DefaultNicLink => (string)NicParams["link"]!;

    public static ClusterDefaults Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("FakeRapi.cluster-info.json")
            ?? throw new InvalidOperationException("The embedded cluster-info.json is missing.");
        return new ClusterDefaults((JsonObject)JsonNode.Parse(stream)!);
    }

    /// <summary>An instance's own beparams as Ganeti shows them: in the fixed order of its backend parameter record
    /// (minmem, maxmem, vcpus, ...). Own hvparams and osparams are maps, shown sorted.</summary>
    public OrderedParams CustomBeParams(OrderedParams custom) => custom.InOrder(BeParams.Select(p => p.Key));

    public static OrderedParams SortedParams(OrderedParams custom) => custom.InOrder([]);

    /// <summary>Effective beparams: cluster defaults overlaid with the instance's own values.</summary>
    public OrderedParams EffectiveBeParams(OrderedParams custom)
    {
        var result = OrderedParams.From(BeParams);
        result.Overlay(custom);
        return result;
    }

    /// <summary>Effective hvparams of an instance: the hypervisor's defaults overlaid with its own values, without the
    /// cluster-wide ones.</summary>
    public OrderedParams EffectiveHvParams(string hypervisor, OrderedParams custom)
    {
        var result = HvParams[hypervisor] is JsonObject defaults ? OrderedParams.From(defaults) : new OrderedParams();
        result.Overlay(custom);
        foreach (var key in GlobalHvParams)
        {
            result.Remove(key);
        }

        return result;
    }

    /// <summary>The compact JSON of an instance's effective hvparams and beparams (the latter with RAPI's legacy
    /// <c>memory</c>). Most instances share them, so they are encoded once per distinct combination.</summary>
    public (byte[] HvParams, byte[] BeParams) EncodedParams(string hypervisor, OrderedParams customHv, OrderedParams customBe)
    {
        var hvKey = "hv|" + hypervisor + "|" + customHv.Signature();
        var hv = _encoded.GetOrAdd(hvKey, _ => Encode(EffectiveHvParams(hypervisor, customHv)));
        var beKey = "be|" + customBe.Signature();
        var be = _encoded.GetOrAdd(beKey, _ =>
        {
            var effective = EffectiveBeParams(customBe);
            effective["memory"] = effective["maxmem"];
            return Encode(effective);
        });
        return (hv, be);
    }

    private static byte[] Encode(OrderedParams parameters)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, Json.PythonJson.WriterOptions))
        {
            parameters.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public bool IsHvParam(string hypervisor, string key) =>
        HvParams[hypervisor] is JsonObject defaults && defaults.ContainsKey(key) && !GlobalHvParams.Contains(key);

    /// <summary>The [min, max] range of an ipolicy spec such as <c>disk-size</c>.</summary>
    public (long Min, long Max) PolicyRange(string spec)
    {
        var minmax = IPolicy["minmax"]![0]!;
        return ((long)minmax["min"]![spec]!, (long)minmax["max"]![spec]!);
    }
}
