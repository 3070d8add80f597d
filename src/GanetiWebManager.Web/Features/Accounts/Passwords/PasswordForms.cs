using FluentValidation;

namespace GanetiWebManager.Web.Features.Accounts.Passwords;

/// <summary>A new password typed twice (reset link, registration, change).</summary>
public class NewPasswordForm
{
    public string NewPassword { get; set; } = "";

    public string ConfirmPassword { get; set; } = "";
}

public sealed class ChangePasswordForm : NewPasswordForm
{
    public string CurrentPassword { get; set; } = "";
}

/// <summary>Length only (8 to 128), no composition rules: NIST SP 800-63B and ASVS 5.0.</summary>
public class NewPasswordFormValidator<T> : AbstractValidator<T>
    where T : NewPasswordForm
{
    public NewPasswordFormValidator()
    {
        RuleFor(f => f.NewPassword)
            .NotEmpty().WithMessage("Choose a password.")
            .Length(PasswordRules.MinimumLength, PasswordRules.MaximumLength)
            .WithMessage($"A password has {PasswordRules.MinimumLength} to {PasswordRules.MaximumLength} characters.");
        RuleFor(f => f.ConfirmPassword)
            .Equal(f => f.NewPassword).WithMessage("The two passwords differ.");
    }
}

public sealed class NewPasswordFormValidator : NewPasswordFormValidator<NewPasswordForm>;

public sealed class ChangePasswordFormValidator : NewPasswordFormValidator<ChangePasswordForm>
{
    public ChangePasswordFormValidator() => RuleFor(f => f.CurrentPassword).NotEmpty().WithMessage("Enter your current password.");
}
