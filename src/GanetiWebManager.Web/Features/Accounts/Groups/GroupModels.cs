using FluentValidation;

namespace GanetiWebManager.Web.Features.Accounts.Groups;

public sealed record GroupQuery(string? Search = null, int Page = 1, int PageSize = 25);

public sealed record GroupRow(int Id, string Slug, string Name, string Description, int MemberCount, int AdminCount, int OwnedVms);

/// <summary>A user as a group's page shows them.</summary>
public sealed record GroupPerson(Guid Id, string UserName, bool IsDisabled);

public sealed record GroupDetail(
    int Id, string Slug, string Name, string Description, DateTimeOffset CreatedAt, int OwnedVms,
    IReadOnlyList<GroupPerson> Members, IReadOnlyList<GroupPerson> Admins, bool CanDelete);

/// <summary>A group as created (slug included) or edited (slug ignored: it never changes).</summary>
public sealed class GroupForm
{
    public string Slug { get; set; } = "";

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    /// <summary>Set when editing: the slug is then fixed.</summary>
    public int? ExistingId { get; set; }
}

public sealed class GroupFormValidator : AbstractValidator<GroupForm>
{
    public GroupFormValidator()
    {
        RuleFor(f => f.Slug)
            .NotEmpty().WithMessage("Give a slug.")
            .Must(GroupSlugs.IsValid).WithMessage(GroupSlugs.Description)
            .When(f => f.ExistingId is null);
        RuleFor(f => f.Name)
            .NotEmpty().WithMessage("Give a name.")
            .MaximumLength(200).WithMessage("A name has at most 200 characters.");
        RuleFor(f => f.Description).MaximumLength(1000).WithMessage("A description has at most 1,000 characters.");
    }
}
