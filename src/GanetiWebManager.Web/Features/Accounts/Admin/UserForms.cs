using FluentValidation;

namespace GanetiWebManager.Web.Features.Accounts.Admin;

/// <summary>A new account as a superuser creates it. Without a password, the user sets one through a reset link.</summary>
public sealed class NewUserForm
{
    public string UserName { get; set; } = "";

    public string? Email { get; set; }

    public string? Password { get; set; }

    public bool IsSuperuser { get; set; }
}

/// <summary>What a superuser edits on an existing account (the name never changes: it is in ownership tags).</summary>
public sealed class EditUserForm
{
    public string? Email { get; set; }

    public bool IsSuperuser { get; set; }
}

public sealed class NewUserFormValidator : AbstractValidator<NewUserForm>
{
    public NewUserFormValidator()
    {
        RuleFor(f => f.UserName)
            .NotEmpty().WithMessage("Give a user name.")
            .Matches(UserNameRules.Pattern).WithMessage(UserNameRules.Description);
        RuleFor(f => f.Email).Must(EmailRules.IsValidOrEmpty).WithMessage(EmailRules.Message);
        RuleFor(f => f.Password!)
            .Length(PasswordRules.MinimumLength, PasswordRules.MaximumLength)
            .WithMessage($"A password has {PasswordRules.MinimumLength} to {PasswordRules.MaximumLength} characters.")
            .When(f => !string.IsNullOrEmpty(f.Password));
    }
}

public sealed class EditUserFormValidator : AbstractValidator<EditUserForm>
{
    public EditUserFormValidator() => RuleFor(f => f.Email).Must(EmailRules.IsValidOrEmpty).WithMessage(EmailRules.Message);
}

/// <summary>An e-mail address is optional; when given, it must look like one and fit Identity's column.</summary>
public static class EmailRules
{
    public const string Message = "Give a valid e-mail address, or leave it empty.";

    public static bool IsValidOrEmpty(string? value) =>
        string.IsNullOrWhiteSpace(value)
        || (value.Trim() is var email && email.Length <= 256 && !email.Contains(' ', StringComparison.Ordinal)
            && new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email));

    /// <summary>The address as stored: trimmed, or null when empty.</summary>
    public static string? Normalize(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
