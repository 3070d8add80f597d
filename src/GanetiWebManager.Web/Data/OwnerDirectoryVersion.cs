namespace GanetiWebManager.Web.Data;

/// <summary>
/// A counter that database triggers bump whenever a user or group is added, removed or renamed (one row).
/// The sync reads it to know, for the price of one tiny query, whether orphans must be checked against
/// their ownership tags again; hashing every name instead would grow with the site.
/// </summary>
public sealed class OwnerDirectoryVersion
{
    public const int SingletonId = 1;

    public int Id { get; set; }

    public long Version { get; set; }
}
