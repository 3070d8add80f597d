namespace GanetiWebManager.Web.Features.Accounts.Admin;

public enum UserFilter
{
    All,
    AwaitingApproval,
    Disabled,
    Superusers,
}

/// <summary>A page of the users list: a search in names and e-mail addresses, a filter, a page.</summary>
public sealed record UserQuery(string? Search = null, UserFilter Filter = UserFilter.All, int Page = 1, int PageSize = 25);

public sealed record UserRow(
    Guid Id, string UserName, string? Email, bool IsSuperuser, bool IsDisabled, bool IsAwaitingApproval, bool IsLockedOut,
    DateTimeOffset CreatedAt, int GroupCount);

public sealed record GroupRef(int Id, string Slug, string Name);

public sealed record UserDetail(
    Guid Id, string UserName, string? Email, bool IsSuperuser, bool IsDisabled, bool IsAwaitingApproval,
    DateTimeOffset? LockedOutUntil, DateTimeOffset CreatedAt, IReadOnlyList<GroupRef> Groups, int OwnedVms, int SshKeys);

/// <summary>A password reset link: handed over by the admin, or mailed (then <see cref="MailedTo"/> is set).</summary>
public sealed record ResetLink(string? Url, string? MailedTo, DateTimeOffset ValidUntil);
