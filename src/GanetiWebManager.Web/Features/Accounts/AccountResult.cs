using FluentValidation.Results;

namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>What became of an account action, in a sentence for the user, with field errors when the input was wrong.</summary>
public record AccountResult(bool Succeeded, string Message)
{
    public IReadOnlyList<ValidationFailure> Failures { get; init; } = [];

    public static AccountResult Done(string message) => new(true, message);

    public static AccountResult Failed(string message) => new(false, message);

    public static AccountResult Invalid(IEnumerable<ValidationFailure> failures) =>
        new(false, "Check the highlighted fields.") { Failures = [.. failures] };

    public static AccountResult<T> Done<T>(string message, T value) => new(true, message, value);

    public static AccountResult<T> Failed<T>(string message) => new(false, message, default);

    public static AccountResult<T> Invalid<T>(IEnumerable<ValidationFailure> failures) =>
        new(false, "Check the highlighted fields.", default) { Failures = [.. failures] };
}

/// <summary>An <see cref="AccountResult"/> that carries what the action made (an id, a link).</summary>
public sealed record AccountResult<T>(bool Succeeded, string Message, T? Value) : AccountResult(Succeeded, Message);

/// <summary>Messages shared by the account services.</summary>
internal static class AccountMessages
{
    public const string NotSuperuser = "Only superusers can manage users and groups.";
    public const string NotGroupAdmin = "Only the group's admins and superusers can change it.";
    public const string UserGone = "This user no longer exists.";
    public const string GroupGone = "This group no longer exists.";
}
