using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;

namespace GanetiWebManager.Rapi.Serialization;

/// <summary>
/// Source-generated metadata for every type the client reads or writes: no reflection per item, which matters
/// when a cluster lists thousands of instances. The primitive and collection types are registered so that
/// parameter dictionaries (<c>object?</c> values) can be written.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(ClusterInfo))]
[JsonSerializable(typeof(IReadOnlyList<InstanceInfo>))]
[JsonSerializable(typeof(InstanceInfo))]
[JsonSerializable(typeof(IReadOnlyList<NodeInfo>))]
[JsonSerializable(typeof(NodeInfo))]
[JsonSerializable(typeof(IReadOnlyList<GroupInfo>))]
[JsonSerializable(typeof(GroupInfo))]
[JsonSerializable(typeof(IReadOnlyList<NetworkInfo>))]
[JsonSerializable(typeof(NetworkInfo))]
[JsonSerializable(typeof(IReadOnlyList<JobInfo>))]
[JsonSerializable(typeof(JobInfo))]
[JsonSerializable(typeof(JobChange))]
[JsonSerializable(typeof(JobId))]
[JsonSerializable(typeof(NodeRole))]
[JsonSerializable(typeof(ConsoleInfo))]
[JsonSerializable(typeof(IReadOnlyList<ResourceLink>))]
[JsonSerializable(typeof(RapiErrorBody))]
[JsonSerializable(typeof(JobWaitBody))]
[JsonSerializable(typeof(QueryBody))]
[JsonSerializable(typeof(QueryFieldDefinition))]
[JsonSerializable(typeof(CreateInstanceRequest))]
[JsonSerializable(typeof(DeleteInstanceOptions))]
[JsonSerializable(typeof(ShutdownInstanceOptions))]
[JsonSerializable(typeof(RebootInstanceOptions))]
[JsonSerializable(typeof(RenameInstanceRequest))]
[JsonSerializable(typeof(ReinstallInstanceRequest))]
[JsonSerializable(typeof(ModifyInstanceRequest))]
[JsonSerializable(typeof(MigrateInstanceRequest))]
[JsonSerializable(typeof(FailoverInstanceRequest))]
[JsonSerializable(typeof(ReplaceDisksRequest))]
[JsonSerializable(typeof(GrowDiskRequest))]
[JsonSerializable(typeof(EvacuateNodeRequest))]
[JsonSerializable(typeof(MigrateNodeRequest))]
[JsonSerializable(typeof(ModifyNodeRequest))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, object?>))]
// Runtime types allowed as parameter values.
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(float))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
[JsonSerializable(typeof(JsonValue))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(long[]))]
[JsonSerializable(typeof(object[]))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<int>))]
[JsonSerializable(typeof(List<object>))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(Dictionary<string, bool>))]
internal sealed partial class RapiJsonContext : JsonSerializerContext;
