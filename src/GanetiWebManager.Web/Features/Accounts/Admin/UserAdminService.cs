using System.Net.Mail;
using System.Security.Claims;
using FluentValidation;
using FluentValidation.Results;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Accounts.Passwords;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Accounts.Admin;

/// <summary>
/// The superusers' users page: list and search, create, edit, disable and enable, delete, the superuser flag,
/// group memberships, approval of self-registered accounts and password reset links. Every method checks on the
/// server, at the moment it runs, that the caller is an active superuser (a refusal is audited and changes
/// nothing); every change is audited with its before and after in the same transaction, and tells open pages
/// that access changed. Nobody can disable, delete or demote their own account, so a superuser always remains.
/// </summary>
public sealed partial class UserAdminService(
    IDbContextFactory<AppDbContext> contexts,
    IServiceScopeFactory scopes,
    AccessGuard guard,
    IAuditLog audit,
    LiveUpdateHub liveUpdates,
    IValidator<NewUserForm> newUserValidator,
    IValidator<EditUserForm> editUserValidator,
    IAccountMailer mailer,
    IOptions<AccountsOptions> options,
    TimeProvider clock,
    ILogger<UserAdminService> logger)
{
    public async Task<PagedResult<UserRow>> SearchAsync(ClaimsPrincipal actor, UserQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var pageSize = Paging.ClampPageSize(query.PageSize);
        if (!await guard.AllowsSuperuserAsync(actor, "users.view", ct))
        {
            return PagedResult.Empty<UserRow>(pageSize);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var users = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = "%" + AccountSearch.EscapeLike(query.Search.Trim()) + "%";
            users = users.Where(u => EF.Functions.ILike(u.UserName!, pattern) || (u.Email != null && EF.Functions.ILike(u.Email, pattern)));
        }

        users = query.Filter switch
        {
            UserFilter.AwaitingApproval => users.Where(u => u.IsAwaitingApproval),
            UserFilter.Disabled => users.Where(u => u.IsDisabled),
            UserFilter.Superusers => users.Where(u => u.IsSuperuser),
            _ => users,
        };

        var total = await users.CountAsync(ct);
        var page = Paging.ClampPage(query.Page, total, pageSize);
        var now = clock.GetUtcNow();
        var rows = await users
            .OrderByDescending(u => u.IsAwaitingApproval).ThenBy(u => u.NormalizedUserName).ThenBy(u => u.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(u => new UserRow(
                u.Id, u.UserName!, u.Email, u.IsSuperuser, u.IsDisabled, u.IsAwaitingApproval, u.LockoutEnd != null && u.LockoutEnd > now,
                u.CreatedAt, db.GroupMembers.Count(m => m.UserId == u.Id)))
            .ToListAsync(ct);
        return new PagedResult<UserRow>(rows, total, page, pageSize);
    }

    /// <summary>One user with their groups; null when the caller is no superuser (audited) or the user does not exist.</summary>
    public async Task<UserDetail?> GetAsync(ClaimsPrincipal actor, Guid userId, CancellationToken ct)
    {
        if (!await guard.AllowsSuperuserAsync(actor, "users.view", ct))
        {
            return null;
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new
            {
                u.Id,
                u.UserName,
                u.Email,
                u.IsSuperuser,
                u.IsDisabled,
                u.IsAwaitingApproval,
                u.LockoutEnd,
                u.CreatedAt,
                OwnedVms = db.VirtualMachines.Count(v => v.OwnerUserId == u.Id),
                SshKeys = db.SshKeys.Count(k => k.UserId == u.Id),
            })
            .SingleOrDefaultAsync(ct);
        if (user is null)
        {
            return null;
        }

        var groups = await GroupsOfAsync(db, userId, ct);
        var lockedUntil = user.LockoutEnd is { } end && end > clock.GetUtcNow() ? end : (DateTimeOffset?)null;
        return new UserDetail(user.Id, user.UserName!, user.Email, user.IsSuperuser, user.IsDisabled, user.IsAwaitingApproval, lockedUntil,
            user.CreatedAt, groups, user.OwnedVms, user.SshKeys);
    }

    /// <summary>Every group, for the memberships picker (superusers see all group names).</summary>
    public async Task<IReadOnlyList<GroupRef>> AllGroupsAsync(ClaimsPrincipal actor, CancellationToken ct)
    {
        if (!await guard.AllowsSuperuserAsync(actor, "groups.view", ct))
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Groups.AsNoTracking().OrderBy(g => g.Name).ThenBy(g => g.Slug).Select(g => new GroupRef(g.Id, g.Slug, g.Name)).ToListAsync(ct);
    }

    public async Task<AccountResult<Guid>> CreateAsync(ClaimsPrincipal actor, NewUserForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await guard.AllowsSuperuserAsync(actor, "user.create", ct))
        {
            return AccountResult.Failed<Guid>(AccountMessages.NotSuperuser);
        }

        var validation = await newUserValidator.ValidateAsync(form, ct);
        if (!validation.IsValid)
        {
            return AccountResult.Invalid<Guid>(validation.Errors);
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = clock.GetUtcNow();
        var user = new AppUser
        {
            Id = Guid.CreateVersion7(now),
            UserName = form.UserName.Trim(),
            Email = EmailRules.Normalize(form.Email),
            IsSuperuser = form.IsSuperuser,
            CreatedAt = now,
        };
        // Added to the context Identity saves with, so the account and its audit entry land together.
        audit.Add(db, Entry(actor, "user.create", user, before: null, after: UserState.Of(user)));
        var result = string.IsNullOrEmpty(form.Password) ? await users.CreateAsync(user) : await users.CreateAsync(user, form.Password);
        if (!result.Succeeded)
        {
            return AccountResult.Invalid<Guid>(IdentityFailures(result));
        }

        liveUpdates.Publish(new AccessChanged());
        return AccountResult.Done<Guid>(
            string.IsNullOrEmpty(form.Password)
                ? $"User {user.UserName} created without a password: issue a reset link for them to set one."
                : $"User {user.UserName} created.",
            user.Id);
    }

    /// <summary>E-mail address and superuser flag. A superuser cannot take the flag from themself.</summary>
    public async Task<AccountResult> UpdateAsync(ClaimsPrincipal actor, Guid userId, EditUserForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        return await OnUserAsync(actor, userId, "user.update", async (users, db, user) =>
        {
            var validation = await editUserValidator.ValidateAsync(form, ct);
            if (!validation.IsValid)
            {
                return AccountResult.Invalid(validation.Errors);
            }

            if (user.IsSuperuser && !form.IsSuperuser && IsSelf(actor, userId))
            {
                return AccountResult.Failed("You cannot remove your own superuser flag; ask another superuser.");
            }

            var before = UserState.Of(user);
            user.Email = EmailRules.Normalize(form.Email);
            if (before.Email != user.Email)
            {
                user.EmailConfirmed = false;
            }

            user.IsSuperuser = form.IsSuperuser;
            var after = UserState.Of(user);
            if (after == before)
            {
                return AccountResult.Done("Nothing changed.");
            }

            var action = before.IsSuperuser != after.IsSuperuser ? "user.superuser.set" : "user.update";
            audit.Add(db, Entry(actor, action, user, before, after));
            var result = await users.UpdateAsync(user);
            return result.Succeeded ? AccountResult.Done($"User {user.UserName} saved.") : AccountResult.Invalid(IdentityFailures(result));
        }, ct);
    }

    /// <summary>
    /// Disables (or enables) an account. Disabling renews its security stamp, so its cookies stop working at their
    /// next check and its open pages are signed out at once (or at the next re-check, within seconds).
    /// </summary>
    public Task<AccountResult> SetDisabledAsync(ClaimsPrincipal actor, Guid userId, bool disabled, CancellationToken ct) =>
        OnUserAsync(actor, userId, disabled ? "user.disable" : "user.enable", async (users, db, user) =>
        {
            if (disabled && IsSelf(actor, userId))
            {
                return AccountResult.Failed("You cannot disable your own account.");
            }

            if (user.IsDisabled == disabled)
            {
                return AccountResult.Done(disabled ? $"{user.UserName} is already disabled." : $"{user.UserName} is already enabled.");
            }

            var before = UserState.Of(user);
            user.IsDisabled = disabled;
            audit.Add(db, Entry(actor, disabled ? "user.disable" : "user.enable", user, before, UserState.Of(user)));
            var result = disabled ? await users.UpdateSecurityStampAsync(user) : await users.UpdateAsync(user);
            return result.Succeeded
                ? AccountResult.Done(disabled ? $"{user.UserName} is disabled and signed out everywhere." : $"{user.UserName} is enabled.")
                : AccountResult.Failed(Describe(result));
        }, ct);

    /// <summary>Deletes an account. Its VMs become orphans, its grants and memberships go; the audit log keeps its name.</summary>
    public Task<AccountResult> DeleteAsync(ClaimsPrincipal actor, Guid userId, CancellationToken ct) =>
        OnUserAsync(actor, userId, "user.delete", async (users, db, user) =>
        {
            if (IsSelf(actor, userId))
            {
                return AccountResult.Failed("You cannot delete your own account.");
            }

            var owned = await db.VirtualMachines.CountAsync(v => v.OwnerUserId == userId, ct);
            var entry = Entry(actor, "user.delete", user, UserState.Of(user), after: null);
            entry.Reason = owned == 0 ? null : $"{owned} virtual machine(s) became orphans";
            audit.Add(db, entry);
            var result = await users.DeleteAsync(user);
            return result.Succeeded ? AccountResult.Done($"User {user.UserName} deleted.") : AccountResult.Failed(Describe(result));
        }, ct);

    /// <summary>Lets a self-registered account sign in.</summary>
    public Task<AccountResult> ApproveAsync(ClaimsPrincipal actor, Guid userId, CancellationToken ct) =>
        OnUserAsync(actor, userId, "user.approve", async (users, db, user) =>
        {
            if (!user.IsAwaitingApproval)
            {
                return AccountResult.Done($"{user.UserName} was already approved.");
            }

            var before = UserState.Of(user);
            user.IsAwaitingApproval = false;
            audit.Add(db, Entry(actor, "user.approve", user, before, UserState.Of(user)));
            var result = await users.UpdateAsync(user);
            return result.Succeeded ? AccountResult.Done($"{user.UserName} is approved and can sign in.") : AccountResult.Failed(Describe(result));
        }, ct);

    /// <summary>Refuses a self-registered account: it is deleted (only while it still waits for approval).</summary>
    public Task<AccountResult> RejectAsync(ClaimsPrincipal actor, Guid userId, CancellationToken ct) =>
        OnUserAsync(actor, userId, "user.reject", async (users, db, user) =>
        {
            if (!user.IsAwaitingApproval)
            {
                return AccountResult.Failed($"{user.UserName} is no longer waiting for approval; disable or delete the account instead.");
            }

            audit.Add(db, Entry(actor, "user.reject", user, UserState.Of(user), after: null));
            var result = await users.DeleteAsync(user);
            return result.Succeeded ? AccountResult.Done($"The registration of {user.UserName} was rejected.") : AccountResult.Failed(Describe(result));
        }, ct);

    /// <summary>Replaces the groups a user belongs to.</summary>
    public Task<AccountResult> SetGroupsAsync(ClaimsPrincipal actor, Guid userId, IReadOnlyCollection<int> groupIds, CancellationToken ct) =>
        OnUserAsync(actor, userId, "user.groups.set", async (users, db, user) =>
        {
            ArgumentNullException.ThrowIfNull(groupIds);
            var wanted = groupIds.ToHashSet();
            var existing = await db.Groups.Where(g => wanted.Contains(g.Id)).Select(g => g.Id).ToListAsync(ct);
            if (existing.Count != wanted.Count)
            {
                return AccountResult.Failed("One of the chosen groups no longer exists; reload the page.");
            }

            var before = await GroupsOfAsync(db, userId, ct);
            var current = await db.GroupMembers.Where(m => m.UserId == userId).ToListAsync(ct);
            db.GroupMembers.RemoveRange(current.Where(m => !wanted.Contains(m.GroupId)));
            var now = clock.GetUtcNow();
            foreach (var groupId in wanted.Except(current.Select(m => m.GroupId)))
            {
                db.GroupMembers.Add(new Domain.Access.GroupMember { GroupId = groupId, UserId = userId, AddedAt = now });
            }

            if (!db.ChangeTracker.HasChanges())
            {
                return AccountResult.Done("Nothing changed.");
            }

            var after = await db.Groups.AsNoTracking().Where(g => wanted.Contains(g.Id)).OrderBy(g => g.Slug).Select(g => g.Slug).ToListAsync(ct);
            audit.Add(db, Entry(actor, "user.groups.set", user, before.Select(g => g.Slug).ToList(), after));
            await db.SaveChangesAsync(ct);
            return AccountResult.Done($"Groups of {user.UserName} saved.");
        }, ct);

    /// <summary>
    /// A one-time password reset link (Identity's reset token, bound to the user's security stamp). Mailed to the
    /// user when a mail server is configured and they have an address; otherwise returned for the admin to hand over.
    /// </summary>
    public async Task<AccountResult<ResetLink>> IssueResetLinkAsync(ClaimsPrincipal actor, Guid userId, string baseUri, CancellationToken ct)
    {
        ResetLink? link = null;
        var result = await OnUserAsync(actor, userId, "user.password.reset-link", async (users, db, user) =>
        {
            if (user.IsAwaitingApproval)
            {
                return AccountResult.Failed($"{user.UserName} is still waiting for approval.");
            }

            var token = await users.GeneratePasswordResetTokenAsync(user);
            var url = ResetTokens.LinkFor(baseUri, user.Id, token);
            var validUntil = clock.GetUtcNow() + options.Value.ResetLinkLifetime;
            string? mailedTo = null;
            if (mailer.IsConfigured && user.Email is { Length: > 0 } email)
            {
                try
                {
                    await mailer.SendAsync(email, "Set your Ganeti Web Manager password",
                        $"""
                        Hello {user.UserName},

                        a password for your account on Ganeti Web Manager can be set at this address
                        (it works once, until {validUntil:yyyy-MM-dd HH:mm} UTC):

                        {url}

                        If you did not expect this, ignore this message.
                        """, ct);
                    mailedTo = email;
                }
                catch (Exception e) when (e is SmtpException or InvalidOperationException or IOException)
                {
                    LogMailFailed(e, user.UserName!);
                }
            }

            var entry = Entry<object>(actor, "user.password.reset-link", user, before: null, after: null);
            entry.Reason = mailedTo is null ? "link shown to the admin" : $"link mailed to {mailedTo}";
            await audit.RecordAsync(entry, ct);
            link = new ResetLink(mailedTo is null ? url : null, mailedTo, validUntil);
            return mailedTo is null
                ? AccountResult.Done($"Give this link to {user.UserName}; it works once.")
                : AccountResult.Done($"A reset link was mailed to {mailedTo}.");
        }, ct, publish: false);
        return result.Succeeded ? AccountResult.Done<ResetLink>(result.Message, link!) : AccountResult.Failed<ResetLink>(result.Message);
    }

    private async Task<AccountResult> OnUserAsync(
        ClaimsPrincipal actor, Guid userId, string action, Func<UserManager<AppUser>, AppDbContext, AppUser, Task<AccountResult>> work,
        CancellationToken ct, bool publish = true)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!await guard.AllowsSuperuserAsync(actor, action, ct))
        {
            return AccountResult.Failed(AccountMessages.NotSuperuser);
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return AccountResult.Failed(AccountMessages.UserGone);
        }

        var result = await work(users, db, user);
        if (result.Succeeded && publish)
        {
            liveUpdates.Publish(new AccessChanged());
        }

        return result;
    }

    private static async Task<IReadOnlyList<GroupRef>> GroupsOfAsync(AppDbContext db, Guid userId, CancellationToken ct) =>
        await db.GroupMembers.AsNoTracking().Where(m => m.UserId == userId)
            .Join(db.Groups, m => m.GroupId, g => g.Id, (m, g) => g)
            .OrderBy(g => g.Slug)
            .Select(g => new GroupRef(g.Id, g.Slug, g.Name))
            .ToListAsync(ct);

    private static bool IsSelf(ClaimsPrincipal actor, Guid userId) =>
        Guid.TryParse(actor.FindFirstValue(ClaimTypes.NameIdentifier), out var id) && id == userId;

    private static AuditEntry Entry<T>(ClaimsPrincipal actor, string action, AppUser subject, T? before, T? after)
    {
        var entry = AuditEntries.By(actor, action);
        entry.SubjectUserId = subject.Id;
        entry.SubjectUserName = subject.UserName;
        entry.Before = before is null ? null : AuditEntries.State(before);
        entry.After = after is null ? null : AuditEntries.State(after);
        return entry;
    }

    internal static IEnumerable<ValidationFailure> IdentityFailures(IdentityResult result) =>
        result.Errors.Select(e => new ValidationFailure(
            e.Code switch
            {
                "DuplicateUserName" or "InvalidUserName" => nameof(NewUserForm.UserName),
                "DuplicateEmail" or "InvalidEmail" => nameof(NewUserForm.Email),
                _ when e.Code.StartsWith("Password", StringComparison.Ordinal) => nameof(NewUserForm.Password),
                _ => "",
            },
            e.Description));

    private static string Describe(IdentityResult result) =>
        result.Errors.Any(e => e.Code == "ConcurrencyFailure")
            ? "Someone else changed this account at the same time; reload and try again."
            : string.Join(" ", result.Errors.Select(e => e.Description));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailing a password reset link to {UserName} failed; the link is shown to the admin instead")]
    private partial void LogMailFailed(Exception exception, string userName);

    /// <summary>What the audit log records of an account (never a password or a hash).</summary>
    private sealed record UserState(string? UserName, string? Email, bool IsSuperuser, bool IsDisabled, bool IsAwaitingApproval)
    {
        public static UserState Of(AppUser user) => new(user.UserName, user.Email, user.IsSuperuser, user.IsDisabled, user.IsAwaitingApproval);
    }
}

internal static class AccountSearch
{
    /// <summary>A user's text taken literally inside a LIKE pattern (PostgreSQL's escape character is the backslash).</summary>
    public static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);
}
