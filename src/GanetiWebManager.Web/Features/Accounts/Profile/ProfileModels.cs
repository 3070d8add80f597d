using FluentValidation;
using GanetiWebManager.Web.Features.Accounts.Admin;

namespace GanetiWebManager.Web.Features.Accounts.Profile;

public sealed record SshKeyRow(long Id, string Algorithm, string Comment, string Fingerprint, DateTimeOffset AddedAt);

public sealed record ProfileView(
    Guid UserId, string UserName, string? Email, bool IsSuperuser, IReadOnlyList<SshKeyRow> SshKeys,
    IReadOnlyList<GroupRef> Groups, IReadOnlyList<GroupRef> ManagedGroups);

public sealed class EmailForm
{
    public string? Email { get; set; }
}

public sealed class SshKeyForm
{
    public string Text { get; set; } = "";
}

public sealed class EmailFormValidator : AbstractValidator<EmailForm>
{
    public EmailFormValidator() => RuleFor(f => f.Email).Must(EmailRules.IsValidOrEmpty).WithMessage(EmailRules.Message);
}

public sealed class SshKeyFormValidator : AbstractValidator<SshKeyForm>
{
    public SshKeyFormValidator() =>
        RuleFor(f => f.Text).Custom((text, context) =>
        {
            if (!SshPublicKey.TryParse(text, out _, out var problem))
            {
                context.AddFailure(problem);
            }
        });
}
