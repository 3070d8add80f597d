namespace GanetiWebManager.Web.Domain.Accounts;

/// <summary>
/// A group of users that can own virtual machines and be charged quota (GWM's Organization).
/// Its slug appears in ownership tags (<c>gwm:owner:group:&lt;slug&gt;</c>).
/// </summary>
public sealed class Group
{
    public int Id { get; set; }

    public required string Slug { get; set; }

    public required string Name { get; set; }

    public string Description { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}
