using System.Security.Claims;
using FluentValidation;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Accounts.Admin;
using GanetiWebManager.Web.Features.Accounts.Groups;
using GanetiWebManager.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GanetiWebManager.Web.Features.Accounts.Profile;

/// <summary>
/// A user's own account: e-mail address and SSH keys (the password changes on its own page, which must renew the
/// sign-in cookie). Always the caller's own account, read from the database per call: a disabled or deleted
/// user gets nothing. Every change is audited.
/// </summary>
public sealed class ProfileService(
    IDbContextFactory<AppDbContext> contexts,
    IPortalAccess access,
    IAuditLog audit,
    GroupAdminService groups,
    IValidator<EmailForm> emailValidator,
    IValidator<SshKeyForm> keyValidator,
    TimeProvider clock)
{
    /// <summary>Enough for every laptop and token a person has; a guard against scripts filling the table.</summary>
    public const int MaxKeysPerUser = 50;

    public async Task<ProfileView?> GetAsync(ClaimsPrincipal actor, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, actor, ct);
        if (!scope.IsAuthenticated)
        {
            return null;
        }

        var me = await db.Users.AsNoTracking().Where(u => u.Id == scope.UserId)
            .Select(u => new { u.UserName, u.Email, u.IsSuperuser }).SingleOrDefaultAsync(ct);
        if (me is null)
        {
            return null;
        }

        var keys = await db.SshKeys.AsNoTracking().Where(k => k.UserId == scope.UserId).OrderBy(k => k.AddedAt).ThenBy(k => k.Id)
            .Select(k => new SshKeyRow(k.Id, k.Algorithm, k.Comment, k.Fingerprint, k.AddedAt)).ToListAsync(ct);
        var memberOf = await db.GroupMembers.AsNoTracking().Where(m => m.UserId == scope.UserId)
            .Join(db.Groups, m => m.GroupId, g => g.Id, (m, g) => g)
            .OrderBy(g => g.Name).Select(g => new GroupRef(g.Id, g.Slug, g.Name)).ToListAsync(ct);
        var managed = await groups.ManagedByAsync(actor, ct);
        return new ProfileView(scope.UserId, me.UserName!, me.Email, me.IsSuperuser, keys, memberOf, managed);
    }

    public async Task<AccountResult> SetEmailAsync(ClaimsPrincipal actor, EmailForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        var validation = await emailValidator.ValidateAsync(form, ct);
        if (!validation.IsValid)
        {
            return AccountResult.Invalid(validation.Errors);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await OwnAccountAsync(db, actor, ct);
        if (user is null)
        {
            // Signed out, disabled or deleted meanwhile: refused, and on the record like any refusal.
            await audit.RecordRefusalAsync(actor, "user.email.set", null, "not signed in", ct);
            return AccountResult.Failed(SignedOutMessage);
        }

        var email = EmailRules.Normalize(form.Email);
        if (email == user.Email)
        {
            return AccountResult.Done("Nothing changed.");
        }

        var entry = Entry(actor, "user.email.set", user);
        entry.Before = AuditEntries.State(new { user.Email });
        entry.After = AuditEntries.State(new { Email = email });
        // Set directly rather than through UserManager.SetEmailAsync: that renews the security stamp, which
        // would sign the user out of the very page they are editing.
        user.Email = email;
        user.NormalizedEmail = email?.ToUpperInvariant();
        user.EmailConfirmed = false;
        user.ConcurrencyStamp = Guid.NewGuid().ToString();
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        return AccountResult.Done(email is null ? "E-mail address removed." : "E-mail address saved.");
    }

    public async Task<AccountResult<SshKeyRow>> AddSshKeyAsync(ClaimsPrincipal actor, SshKeyForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        var validation = await keyValidator.ValidateAsync(form, ct);
        if (!validation.IsValid || !SshPublicKey.TryParse(form.Text, out var key, out _))
        {
            return AccountResult.Invalid<SshKeyRow>(validation.Errors);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await OwnAccountAsync(db, actor, ct);
        if (user is null)
        {
            // Signed out, disabled or deleted meanwhile: refused, and on the record like any refusal.
            await audit.RecordRefusalAsync(actor, "user.sshkey.add", null, "not signed in", ct);
            return AccountResult.Failed<SshKeyRow>(SignedOutMessage);
        }

        var existing = await db.SshKeys.Where(k => k.UserId == user.Id).Select(k => k.Fingerprint).ToListAsync(ct);
        if (existing.Contains(key.Fingerprint))
        {
            return AccountResult.Invalid<SshKeyRow>([new(nameof(SshKeyForm.Text), $"This key ({key.Fingerprint}) is already on your account.")]);
        }

        if (existing.Count >= MaxKeysPerUser)
        {
            return AccountResult.Failed<SshKeyRow>($"An account holds at most {MaxKeysPerUser} keys; remove one first.");
        }

        var row = new SshKey
        {
            UserId = user.Id,
            Algorithm = key.Algorithm,
            Blob = key.Blob,
            Comment = key.Comment,
            Fingerprint = key.Fingerprint,
            AddedAt = clock.GetUtcNow(),
        };
        db.SshKeys.Add(row);
        var entry = Entry(actor, "user.sshkey.add", user);
        entry.After = AuditEntries.State(new { key.Algorithm, key.Fingerprint, key.Comment });
        audit.Add(db, entry);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return AccountResult.Invalid<SshKeyRow>([new(nameof(SshKeyForm.Text), $"This key ({key.Fingerprint}) is already on your account.")]);
        }

        return AccountResult.Done<SshKeyRow>($"Key {key.Fingerprint} added.", new SshKeyRow(row.Id, row.Algorithm, row.Comment, row.Fingerprint, row.AddedAt));
    }

    /// <summary>Removes one of the caller's keys; someone else's key is refused (audited) as if it did not exist.</summary>
    public async Task<AccountResult> RemoveSshKeyAsync(ClaimsPrincipal actor, long keyId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await OwnAccountAsync(db, actor, ct);
        if (user is null)
        {
            // Signed out, disabled or deleted meanwhile: refused, and on the record like any refusal.
            await audit.RecordRefusalAsync(actor, "user.sshkey.remove", null, "not signed in", ct);
            return AccountResult.Failed(SignedOutMessage);
        }

        var key = await db.SshKeys.SingleOrDefaultAsync(k => k.Id == keyId, ct);
        if (key is null || key.UserId != user.Id)
        {
            if (key is not null)
            {
                await audit.RecordRefusalAsync(actor, "user.sshkey.remove", null, "not the caller's key", ct);
            }

            return AccountResult.Failed("This key is not on your account (any more).");
        }

        db.SshKeys.Remove(key);
        var entry = Entry(actor, "user.sshkey.remove", user);
        entry.Before = AuditEntries.State(new { key.Algorithm, key.Fingerprint, key.Comment });
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        return AccountResult.Done($"Key {key.Fingerprint} removed.");
    }

    private const string SignedOutMessage = "Your session is no longer valid; sign in again.";

    private async Task<AppUser?> OwnAccountAsync(AppDbContext db, ClaimsPrincipal actor, CancellationToken ct)
    {
        var scope = await access.ScopeAsync(db, actor, ct);
        return scope.IsAuthenticated ? await db.Users.SingleOrDefaultAsync(u => u.Id == scope.UserId, ct) : null;
    }

    private static Domain.Audit.AuditEntry Entry(ClaimsPrincipal actor, string action, AppUser user)
    {
        var entry = AuditEntries.By(actor, action);
        entry.SubjectUserId = user.Id;
        entry.SubjectUserName = user.UserName;
        return entry;
    }
}
