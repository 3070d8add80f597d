using FluentValidation;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.Accounts.Admin;
using GanetiWebManager.Web.Features.Accounts.Passwords;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Accounts.Registration;

public sealed class RegistrationForm : NewPasswordForm
{
    public string UserName { get; set; } = "";

    public string? Email { get; set; }
}

public sealed class RegistrationFormValidator : NewPasswordFormValidator<RegistrationForm>
{
    public RegistrationFormValidator()
    {
        RuleFor(f => f.UserName)
            .NotEmpty().WithMessage("Choose a user name.")
            .Matches(UserNameRules.Pattern).WithMessage(UserNameRules.Description);
        RuleFor(f => f.Email).Must(EmailRules.IsValidOrEmpty).WithMessage(EmailRules.Message);
    }
}

/// <summary>
/// Self-registration (setting <c>Accounts:SelfRegistration</c>, off by default): the new account waits for a
/// superuser's approval on the users page and cannot sign in until then.
/// </summary>
public sealed class RegistrationService(
    UserManager<AppUser> users,
    AppDbContext db,
    IAuditLog audit,
    LiveUpdateHub liveUpdates,
    IValidator<RegistrationForm> validator,
    IOptions<AccountsOptions> options,
    TimeProvider clock)
{
    public bool IsOpen => options.Value.SelfRegistration;

    public async Task<AccountResult> RegisterAsync(RegistrationForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!IsOpen)
        {
            return AccountResult.Failed("This portal does not accept registrations. Ask a superuser for an account.");
        }

        form.UserName = form.UserName.Trim();
        var validation = await validator.ValidateAsync(form, ct);
        if (!validation.IsValid)
        {
            return AccountResult.Invalid(validation.Errors);
        }

        var now = clock.GetUtcNow();
        var user = new AppUser
        {
            Id = Guid.CreateVersion7(now),
            UserName = form.UserName,
            Email = EmailRules.Normalize(form.Email),
            IsAwaitingApproval = true,
            CreatedAt = now,
        };
        var entry = AuditEntries.By(null, "user.register");
        entry.ActorUserId = user.Id;
        entry.ActorName = user.UserName;
        entry.SubjectUserId = user.Id;
        entry.SubjectUserName = user.UserName;
        entry.After = AuditEntries.State(new { user.UserName, user.Email, user.IsAwaitingApproval });
        audit.Add(db, entry);
        var result = await users.CreateAsync(user, form.NewPassword);
        if (!result.Succeeded)
        {
            return AccountResult.Invalid(result.Errors.Select(e => new FluentValidation.Results.ValidationFailure(
                e.Code.StartsWith("Password", StringComparison.Ordinal) ? nameof(RegistrationForm.NewPassword)
                    : e.Code.Contains("Email", StringComparison.Ordinal) ? nameof(RegistrationForm.Email) : nameof(RegistrationForm.UserName),
                e.Description)));
        }

        // The superusers' users page shows the new account waiting.
        liveUpdates.Publish(new AccessChanged());
        return AccountResult.Done("Your account was created. A superuser has to approve it before you can sign in.");
    }
}
