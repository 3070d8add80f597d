namespace GanetiWebManager.Web.Domain.VirtualMachines;

/// <summary>Ganeti's words for an instance's state, as RAPI reports them and the database keeps them.</summary>
public static class VmStates
{
    // Runtime status (the instance's "status" field).
    public const string Running = "running";
    public const string AdminDown = "ADMIN_down";
    public const string AdminOffline = "ADMIN_offline";
    public const string UserDown = "USER_down";
    public const string ErrorUp = "ERROR_up";
    public const string ErrorDown = "ERROR_down";
    public const string ErrorNodeDown = "ERROR_nodedown";
    public const string ErrorNodeOffline = "ERROR_nodeoffline";
    public const string ErrorWrongNode = "ERROR_wrongnode";

    /// <summary>Every status that means Ganeti found the instance not where or how it should be.</summary>
    public const string ErrorPrefix = "ERROR_";

    // Configured state (the "admin_state" field): what the instance is meant to be.
    public const string AdminUp = "up";
    public const string AdminStateDown = "down";
    public const string AdminStateOffline = "offline";

    public static readonly IReadOnlyList<string> Statuses =
    [
        Running, AdminDown, AdminOffline, UserDown, ErrorUp, ErrorDown, ErrorNodeDown, ErrorNodeOffline, ErrorWrongNode,
    ];
}
