namespace GanetiWebManager.Web.Features.Accounts;

/// <summary>
/// Passwords follow NIST SP 800-63B / ASVS 5.0: length matters, composition rules do not.
/// </summary>
public static class PasswordRules
{
    public const int MinimumLength = 8;
    public const int MaximumLength = 128;

    /// <summary>PBKDF2 iterations; ASVS 5.0 asks for at least 210,000 (ASP.NET Core's default is 100,000).</summary>
    public const int Pbkdf2Iterations = 210_000;
}

/// <summary>
/// User names appear in Ganeti ownership tags (gwm:owner:user:NAME), whose characters are limited to
/// [\w.+*/:@-]; the portal keeps names to a safe subset of that set.
/// </summary>
public static class UserNameRules
{
    public const string Pattern = @"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$";
    public const string AllowedCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-";
    public const string Description = "A user name is 1 to 100 letters, digits and . _ @ + - and starts with a letter or digit.";
}
