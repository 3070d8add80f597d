using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Requests;

/// <summary>Instance reboot types.</summary>
public enum RebootType
{
    /// <summary><c>hard</c> (RAPI's default): stop and start the instance.</summary>
    Hard = 0,

    /// <summary><c>soft</c>: reboot inside the guest.</summary>
    Soft,

    /// <summary><c>full</c>: full shutdown and startup, including Ganeti's checks.</summary>
    Full,
}

/// <summary>Live or non-live migration.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MigrationMode>))]
public enum MigrationMode
{
    /// <summary><c>live</c>.</summary>
    [JsonStringEnumMemberName("live")] Live,

    /// <summary><c>non-live</c>.</summary>
    [JsonStringEnumMemberName("non-live")] NonLive,
}

/// <summary>Which instances a node evacuation moves.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NodeEvacuationMode>))]
public enum NodeEvacuationMode
{
    /// <summary><c>primary-only</c>.</summary>
    [JsonStringEnumMemberName("primary-only")] PrimaryOnly,

    /// <summary><c>secondary-only</c>.</summary>
    [JsonStringEnumMemberName("secondary-only")] SecondaryOnly,

    /// <summary><c>all</c> (Ganeti 3.0 refuses it without an explicit choice in some setups).</summary>
    [JsonStringEnumMemberName("all")] All,
}

/// <summary>Replace-disks modes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReplaceDisksMode>))]
public enum ReplaceDisksMode
{
    /// <summary><c>replace_on_primary</c>.</summary>
    [JsonStringEnumMemberName("replace_on_primary")] ReplaceOnPrimary,

    /// <summary><c>replace_on_secondary</c>.</summary>
    [JsonStringEnumMemberName("replace_on_secondary")] ReplaceOnSecondary,

    /// <summary><c>replace_new_secondary</c>.</summary>
    [JsonStringEnumMemberName("replace_new_secondary")] ReplaceNewSecondary,

    /// <summary><c>replace_auto</c>.</summary>
    [JsonStringEnumMemberName("replace_auto")] ReplaceAuto,
}

/// <summary>Who shut an instance down (<c>admin_state_source</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AdminStateSource>))]
public enum AdminStateSource
{
    /// <summary><c>admin</c>.</summary>
    [JsonStringEnumMemberName("admin")] Admin,

    /// <summary><c>user</c>.</summary>
    [JsonStringEnumMemberName("user")] User,
}

internal static class RequestEnumExtensions
{
    public static string ToRapiString(this RebootType type) => type switch
    {
        RebootType.Soft => "soft",
        RebootType.Full => "full",
        _ => "hard",
    };
}
