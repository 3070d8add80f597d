namespace GanetiWebManager.Web.Data;

/// <summary>One Data Protection key ring element, shared by every portal instance through the database.</summary>
public sealed class DataProtectionKey
{
    public int Id { get; set; }

    public string? FriendlyName { get; set; }

    public required string Xml { get; set; }
}
