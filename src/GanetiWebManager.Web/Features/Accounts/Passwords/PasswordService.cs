using System.Security.Claims;
using FluentValidation;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Accounts.Passwords;

/// <summary>
/// Changing one's password and setting one through a reset link. Both renew the security stamp: every other
/// session of the user ends (cookies at their next check, open pages within seconds), and an unused reset link
/// stops working. Used by the server-rendered account pages, which can renew the caller's own cookie.
/// </summary>
public sealed class PasswordService(
    UserManager<AppUser> users,
    SignInManager<AppUser> signIn,
    AppDbContext db,
    IAuditLog audit,
    LiveUpdateHub liveUpdates,
    IValidator<ChangePasswordForm> changeValidator,
    IValidator<NewPasswordForm> resetValidator)
{
    public const string BadLinkMessage = "This link is not valid any more: it was used already, it expired, or a newer one was issued. Ask a superuser for a new one.";

    /// <summary>Changes the caller's password and renews the caller's own cookie (so this browser stays signed in).</summary>
    public async Task<AccountResult> ChangeAsync(ClaimsPrincipal actor, ChangePasswordForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        var validation = await changeValidator.ValidateAsync(form, ct);
        if (!validation.IsValid)
        {
            return AccountResult.Invalid(validation.Errors);
        }

        var user = await users.GetUserAsync(actor);
        if (user is null || user.IsDisabled || user.IsAwaitingApproval)
        {
            return AccountResult.Failed("Your session is no longer valid; sign in again.");
        }

        var entry = Entry(actor, "user.password.change", user);
        audit.Add(db, entry);
        var result = await users.ChangePasswordAsync(user, form.CurrentPassword, form.NewPassword);
        if (!result.Succeeded)
        {
            db.Entry(entry).State = EntityState.Detached;
            return AccountResult.Invalid(result.Errors.Select(e => new FluentValidation.Results.ValidationFailure(
                e.Code == "PasswordMismatch" ? nameof(ChangePasswordForm.CurrentPassword) : nameof(ChangePasswordForm.NewPassword),
                e.Code == "PasswordMismatch" ? "The current password is wrong." : e.Description)));
        }

        await signIn.RefreshSignInAsync(user);
        liveUpdates.Publish(new AccessChanged());
        return AccountResult.Done("Your password was changed. Other sessions of your account were signed out.");
    }

    /// <summary>Sets a password with a reset link's token; the token works once.</summary>
    public async Task<AccountResult> ResetAsync(Guid userId, string? encodedToken, NewPasswordForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        var token = ResetTokens.Decode(encodedToken);
        var user = token is null ? null : await users.FindByIdAsync(userId.ToString());
        if (user is null || user.IsAwaitingApproval)
        {
            return AccountResult.Failed(BadLinkMessage);
        }

        var validation = await resetValidator.ValidateAsync(form, ct);
        if (!validation.IsValid)
        {
            return AccountResult.Invalid(validation.Errors);
        }

        var entry = Entry(null, "user.password.reset", user);
        entry.ActorUserId = user.Id;
        entry.ActorName = user.UserName ?? "";
        entry.Reason = "through a reset link";
        audit.Add(db, entry);
        var result = await users.ResetPasswordAsync(user, token!, form.NewPassword);
        if (!result.Succeeded)
        {
            db.Entry(entry).State = EntityState.Detached;
            return result.Errors.Any(e => e.Code == "InvalidToken")
                ? AccountResult.Failed(BadLinkMessage)
                : AccountResult.Invalid(result.Errors.Select(e => new FluentValidation.Results.ValidationFailure(nameof(NewPasswordForm.NewPassword), e.Description)));
        }

        // A forgotten password often comes after failed attempts: the lockout ends with the new password.
        await users.ResetAccessFailedCountAsync(user);
        await users.SetLockoutEndDateAsync(user, null);
        liveUpdates.Publish(new AccessChanged());
        return AccountResult.Done(user.IsDisabled
            ? "Your password was set, but your account is disabled: ask a superuser to enable it."
            : "Your password was set. Sign in with it now.");
    }

    /// <summary>Whether a reset link still works, so the page can say so before the user types a password.</summary>
    public async Task<bool> IsLinkValidAsync(Guid userId, string? encodedToken)
    {
        var token = ResetTokens.Decode(encodedToken);
        var user = token is null ? null : await users.FindByIdAsync(userId.ToString());
        return user is { IsAwaitingApproval: false }
            && await users.VerifyUserTokenAsync(user, users.Options.Tokens.PasswordResetTokenProvider, UserManager<AppUser>.ResetPasswordTokenPurpose, token!);
    }

    private static Domain.Audit.AuditEntry Entry(ClaimsPrincipal? actor, string action, AppUser user)
    {
        var entry = AuditEntries.By(actor, action);
        entry.SubjectUserId = user.Id;
        entry.SubjectUserName = user.UserName;
        return entry;
    }
}
