using FluentValidation;
using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Security;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Health;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GanetiWebManager.Web.Features.Clusters.Registry;

/// <summary>
/// Adds, edits and deletes clusters (superusers only, checked here on every call whatever the page shows).
/// Every change is validated again, its connection tested with the pinned certificate, and stored in one
/// statement after all checks passed; then the sync is asked to pick it up at once.
/// </summary>
public sealed partial class ClusterRegistryService(
    IDbContextFactory<AppDbContext> contextFactory,
    AuthenticationStateProvider authentication,
    IValidator<ClusterForm> validator,
    IClusterRegistryLookup lookup,
    ClusterConnectionTester tester,
    ClusterConnector connector,
    Console.VncPasswordProtector vncPasswords,
    SyncRequests syncRequests,
    LiveUpdateHub liveUpdates,
    IOptions<HealthOptions> healthOptions,
    TimeProvider timeProvider,
    AccessGuard guard,
    ILogger<ClusterRegistryService> logger)
{
    public const string NotSuperuserMessage = "Only superusers can manage the cluster registry.";

    private static readonly string[] ConnectionFields =
    [
        nameof(ClusterForm.Hostname), nameof(ClusterForm.Port), nameof(ClusterForm.RapiUsername), nameof(ClusterForm.RapiPassword),
        nameof(ClusterForm.CertificateSha256), nameof(ClusterForm.CertificateConfirmed),
    ];

    public async Task<IReadOnlyList<ClusterRegistryRow>> ListAsync(CancellationToken ct)
    {
        await RequireSuperuserAsync();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var rows = await db.Clusters.AsNoTracking()
            .OrderBy(c => c.Slug)
            .Select(c => new
            {
                c.Id, c.Slug, c.Hostname, c.Port, c.Description, c.RapiUsername, c.CertificateSha256, c.PresentedCertificateSha256,
                c.Info.SoftwareVersion, c.Sync.LastSuccessAt, c.Sync.LastFailureAt, c.Sync.LastError,
            })
            .ToListAsync(ct);
        var now = timeProvider.GetUtcNow();
        return
        [
            .. rows.Select(r => new ClusterRegistryRow(
                r.Id, r.Slug, r.Hostname, r.Port, r.Description, r.RapiUsername is null, Trim(r.CertificateSha256), Trim(r.PresentedCertificateSha256),
                r.SoftwareVersion, ClusterHealth.From(r.Slug, r.LastSuccessAt, r.LastFailureAt, r.LastError, now, healthOptions.Value.ClusterStaleAfter))),
        ];
    }

    public async Task<ClusterEditView?> GetForEditAsync(string slug, CancellationToken ct)
    {
        await RequireSuperuserAsync();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var cluster = await db.Clusters.AsNoTracking().FirstOrDefaultAsync(c => c.Slug == slug, ct);
        if (cluster is null)
        {
            return null;
        }

        var form = new ClusterForm
        {
            Hostname = cluster.Hostname,
            Port = cluster.Port,
            Slug = cluster.Slug,
            Description = cluster.Description,
            RapiUsername = cluster.RapiUsername,
            RapiPassword = null, // never rendered back, not even its length
            DefaultQuota = new ClusterQuotaForm { RamMiB = cluster.DefaultQuota.RamMiB, DiskMiB = cluster.DefaultQuota.DiskMiB, Vcpus = cluster.DefaultQuota.Vcpus },
            ConsoleAddressMapping = cluster.ConsoleAddressMapping,
            CertificateSha256 = Trim(cluster.CertificateSha256),
            CertificateConfirmed = cluster.CertificateSha256 is not null,
            ExistingId = cluster.Id,
            StoredRapiUsername = cluster.RapiUsername,
            HasStoredPassword = cluster.RapiPasswordProtected is not null,
            HasStoredVncPassword = cluster.VncPasswordProtected is not null,
        };
        var health = ClusterHealth.From(cluster.Slug, cluster.Sync.LastSuccessAt, cluster.Sync.LastFailureAt, cluster.Sync.LastError,
            timeProvider.GetUtcNow(), healthOptions.Value.ClusterStaleAfter);
        return new ClusterEditView(cluster.Id, form, cluster.Hostname, cluster.Port, Trim(cluster.CertificateSha256), Trim(cluster.PresentedCertificateSha256), health);
    }

    /// <summary>A free slug made from the host name's first label (empty when none can be made).</summary>
    public async Task<string> SuggestSlugAsync(string hostname, int? exceptClusterId, CancellationToken ct)
    {
        await RequireSuperuserAsync();
        return await ClusterSlugs.FirstFreeAsync(ClusterSlugs.FromHostname(hostname), (s, t) => lookup.IsSlugTakenAsync(s, exceptClusterId, t), ct);
    }

    /// <summary>Connects (TLS handshake only, no credentials) and returns the certificate for the admin to compare.</summary>
    public async Task<ConnectionCheck<RapiServerCertificate>> FetchCertificateAsync(string hostname, int? port, CancellationToken ct)
    {
        await RequireSuperuserAsync();
        var host = NetworkNames.Normalize(hostname);
        if (!NetworkNames.IsHostOrAddress(host))
        {
            return ConnectionCheck.Failed<RapiServerCertificate>("Give a valid host name or IP address first.");
        }

        if (port is not (>= 1 and <= 65535))
        {
            return ConnectionCheck.Failed<RapiServerCertificate>("Give a port from 1 to 65535 first (Ganeti's default is 5080).");
        }

        return await tester.FetchCertificateAsync(host, port.Value, ct);
    }

    /// <summary>
    /// Tests the connection details of the form (pinned certificate, typed or stored credentials) without saving:
    /// software version, master, node count, write access.
    /// </summary>
    public async Task<RegistryOutcome> TestConnectionAsync(ClusterForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        await RequireSuperuserAsync();
        var input = form.Normalized();
        Cluster? stored = null;
        if (input.ExistingId is { } id)
        {
            await using var db = await contextFactory.CreateDbContextAsync(ct);
            stored = await db.Clusters.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
            if (stored is null)
            {
                return RegistryOutcome.Failed("This cluster no longer exists (another admin deleted it).");
            }
        }

        StoredFacts(input, stored);
        var validation = await validator.ValidateAsync(input, o => o.IncludeProperties(ConnectionFields), ct);
        if (!validation.IsValid)
        {
            return RegistryOutcome.Invalid(validation.Errors);
        }

        if (TryOptionsFor(input, stored, out var options) is { } keyProblem)
        {
            return RegistryOutcome.Failed(keyProblem);
        }

        var check = await tester.TestAsync(options, ct);
        return check.Value is { } report
            ? new RegistryOutcome { Report = report, ClusterId = stored?.Id, Slug = stored?.Slug }
            : RegistryOutcome.Failed(check.Problem!);
    }

    public async Task<RegistryOutcome> CreateAsync(ClusterForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        var user = await RequireSuperuserAsync();
        var input = form.Normalized();
        StoredFacts(input, stored: null);
        var validation = await validator.ValidateAsync(input, ct);
        if (!validation.IsValid)
        {
            return RegistryOutcome.Invalid(validation.Errors);
        }

        var (report, problem) = await CheckConnectionAsync(input, stored: null, ct);
        if (problem is not null)
        {
            return RegistryOutcome.Failed(problem, report);
        }

        var cluster = new Cluster
        {
            Slug = input.Slug,
            Hostname = input.Hostname,
            Port = input.Port!.Value,
            Description = input.Description,
            RapiUsername = input.RapiUsername,
            RapiPasswordProtected = input.RapiUsername is null ? null : connector.ProtectPassword(input.RapiPassword!),
            CertificateSha256 = Pin(input.CertificateSha256!),
            DefaultQuota = Limits(input.DefaultQuota),
            ConsoleAddressMapping = input.ConsoleAddressMapping,
            VncPasswordProtected = input.VncPassword is null ? null : vncPasswords.Protect(input.VncPassword),
            CreatedAt = timeProvider.GetUtcNow(),
        };

        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            db.Clusters.Add(cluster);
            if (await TrySaveAsync(db, ct) is { } conflict)
            {
                return RegistryOutcome.Failed(conflict, report);
            }
        }

        LogAdded(logger, cluster.Slug, cluster.Hostname, cluster.Port, cluster.IsReadOnly, user);
        Announce(cluster.Id);
        return new RegistryOutcome { ClusterId = cluster.Id, Slug = cluster.Slug, Report = report };
    }

    /// <summary>
    /// Saves an edited cluster. The connection is tested again only when connection details changed (host, port,
    /// user, a new password, the certificate), so the description or quota of a cluster that is down can still be edited.
    /// </summary>
    public async Task<RegistryOutcome> UpdateAsync(int clusterId, ClusterForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        var user = await RequireSuperuserAsync();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var cluster = await db.Clusters.FirstOrDefaultAsync(c => c.Id == clusterId, ct);
        if (cluster is null)
        {
            return RegistryOutcome.Failed("This cluster no longer exists (another admin deleted it).");
        }

        var input = form.Normalized();
        input.ExistingId = clusterId;
        StoredFacts(input, cluster);
        var validation = await validator.ValidateAsync(input, ct);
        if (!validation.IsValid)
        {
            return RegistryOutcome.Invalid(validation.Errors);
        }

        var newPin = Pin(input.CertificateSha256!);
        var connectionChanged = input.Hostname != cluster.Hostname || input.Port != cluster.Port
            || input.RapiUsername != cluster.RapiUsername || input.RapiPassword is not null
            || !SamePin(newPin, cluster.CertificateSha256);
        ConnectionReport? report = null;
        if (connectionChanged)
        {
            (report, var problem) = await CheckConnectionAsync(input, cluster, ct);
            if (problem is not null)
            {
                return RegistryOutcome.Failed(problem, report);
            }
        }

        cluster.Slug = input.Slug;
        cluster.Hostname = input.Hostname;
        cluster.Port = input.Port!.Value;
        cluster.Description = input.Description;
        cluster.DefaultQuota.RamMiB = input.DefaultQuota.RamMiB;
        cluster.DefaultQuota.DiskMiB = input.DefaultQuota.DiskMiB;
        cluster.DefaultQuota.Vcpus = input.DefaultQuota.Vcpus;
        cluster.ConsoleAddressMapping = input.ConsoleAddressMapping;
        if (input.ClearVncPassword)
        {
            cluster.VncPasswordProtected = null;
        }
        else if (input.VncPassword is not null)
        {
            cluster.VncPasswordProtected = vncPasswords.Protect(input.VncPassword);
        }

        if (input.RapiUsername is null)
        {
            cluster.RapiUsername = null;
            cluster.RapiPasswordProtected = null;
        }
        else
        {
            cluster.RapiUsername = input.RapiUsername;
            if (input.RapiPassword is not null)
            {
                cluster.RapiPasswordProtected = connector.ProtectPassword(input.RapiPassword);
            }
        }

        if (!SamePin(newPin, cluster.CertificateSha256))
        {
            // The admin fetched, compared and accepted a certificate (and the test above connected with it):
            // whatever change the sync had recorded is settled.
            cluster.CertificateSha256 = newPin;
            cluster.PresentedCertificateSha256 = null;
        }

        if (await TrySaveAsync(db, ct) is { } conflict)
        {
            return RegistryOutcome.Failed(conflict, report);
        }

        LogUpdated(logger, cluster.Slug, cluster.Hostname, cluster.Port, cluster.IsReadOnly, connectionChanged, user);
        Announce(cluster.Id);
        return new RegistryOutcome { ClusterId = cluster.Id, Slug = cluster.Slug, Report = report };
    }

    /// <summary>
    /// Pins the certificate the cluster presents now, after the sync recorded a change. The admin confirmed
    /// <paramref name="confirmedSha256"/>; it is probed again and pinned only if the cluster still presents exactly it.
    /// </summary>
    public async Task<RegistryOutcome> AcceptPresentedCertificateAsync(int clusterId, string confirmedSha256, CancellationToken ct)
    {
        var user = await RequireSuperuserAsync();
        if (!CertificateFingerprint.TryNormalize(confirmedSha256, out var confirmed))
        {
            return RegistryOutcome.Failed("Fetch the certificate the cluster presents now and confirm its fingerprint first.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var cluster = await db.Clusters.FirstOrDefaultAsync(c => c.Id == clusterId, ct);
        if (cluster is null)
        {
            return RegistryOutcome.Failed("This cluster no longer exists (another admin deleted it).");
        }

        var probe = await tester.FetchCertificateAsync(cluster.Hostname, cluster.Port, ct);
        if (probe.Value is not { } presented)
        {
            return RegistryOutcome.Failed(probe.Problem!);
        }

        if (!CertificateFingerprint.Matches(confirmed, presented.Sha256))
        {
            return RegistryOutcome.Failed(
                $"The cluster now presents yet another certificate (SHA-256 {presented.Sha256Formatted}) than the one you confirmed. " +
                "Nothing was changed. Fetch it again and compare.");
        }

        var previous = Trim(cluster.CertificateSha256);
        cluster.CertificateSha256 = Pin(presented.Sha256);
        cluster.PresentedCertificateSha256 = null;
        await db.SaveChangesAsync(ct);
        LogCertificateAccepted(logger, cluster.Slug, previous ?? "(none)", cluster.CertificateSha256, user);
        Announce(cluster.Id);
        return new RegistryOutcome { ClusterId = cluster.Id, Slug = cluster.Slug };
    }

    public async Task<ClusterDeletionImpact?> GetDeletionImpactAsync(int clusterId, CancellationToken ct)
    {
        await RequireSuperuserAsync();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var slug = await db.Clusters.Where(c => c.Id == clusterId).Select(c => c.Slug).FirstOrDefaultAsync(ct);
        if (slug is null)
        {
            return null;
        }

        return new ClusterDeletionImpact(
            clusterId,
            slug,
            await db.Nodes.CountAsync(n => n.ClusterId == clusterId, ct),
            await db.VirtualMachines.CountAsync(v => v.ClusterId == clusterId, ct),
            await db.Jobs.CountAsync(j => j.ClusterId == clusterId, ct),
            await db.ClusterErrors.CountAsync(e => e.ClusterId == clusterId, ct));
    }

    /// <summary>
    /// Removes the cluster from the portal (its nodes, VMs, jobs and errors go with it, by the database's cascade;
    /// nothing changes in Ganeti). The admin must have typed the slug.
    /// </summary>
    public async Task<RegistryOutcome> DeleteAsync(int clusterId, string typedSlug, CancellationToken ct)
    {
        var user = await RequireSuperuserAsync();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var slug = await db.Clusters.Where(c => c.Id == clusterId).Select(c => c.Slug).FirstOrDefaultAsync(ct);
        if (slug is null)
        {
            return RegistryOutcome.Failed("This cluster no longer exists (another admin deleted it).");
        }

        if (!string.Equals((typedSlug ?? "").Trim(), slug, StringComparison.Ordinal))
        {
            return RegistryOutcome.Failed($"Type the cluster's slug, {slug}, exactly to confirm. Nothing was deleted.");
        }

        // One statement; the slug in the condition makes sure it is still the cluster the admin confirmed.
        var deleted = await db.Clusters.Where(c => c.Id == clusterId && c.Slug == slug).ExecuteDeleteAsync(ct);
        if (deleted == 0)
        {
            return RegistryOutcome.Failed("The cluster changed or disappeared meanwhile. Nothing was deleted.");
        }

        connector.Forget(clusterId);
        LogDeleted(logger, slug, user);
        liveUpdates.Publish(new ClusterChanged(clusterId));
        return new RegistryOutcome { ClusterId = clusterId, Slug = slug };
    }

    private async Task<string> RequireSuperuserAsync()
    {
        // The database decides, not the sign-in cookie: a superuser demoted a moment ago is refused (and audited).
        var state = await authentication.GetAuthenticationStateAsync();
        if (!await guard.AllowsSuperuserAsync(state.User, "cluster.registry", CancellationToken.None))
        {
            throw new UnauthorizedAccessException(NotSuperuserMessage);
        }

        return state.User.Identity?.Name ?? "(unknown)";
    }

    // The rules about keeping a password depend on the stored row, never on what the page claims about it.
    private static void StoredFacts(ClusterForm input, Cluster? stored)
    {
        input.ExistingId = stored?.Id;
        input.StoredRapiUsername = stored?.RapiUsername;
        input.HasStoredPassword = stored?.RapiPasswordProtected is not null;
        input.HasStoredVncPassword = stored?.VncPasswordProtected is not null;
    }

    private RapiClientOptions OptionsFor(ClusterForm input, Cluster? stored)
    {
        var candidate = new Cluster
        {
            Slug = input.Slug,
            Hostname = input.Hostname,
            Port = input.Port!.Value,
            RapiUsername = input.RapiUsername,
            // The stored (encrypted) password is used only when the form keeps it: same user, no new password.
            RapiPasswordProtected = input.KeepsStoredPassword ? stored?.RapiPasswordProtected : null,
            CertificateSha256 = input.CertificateSha256,
        };
        return connector.OptionsFor(candidate, input.RapiPassword);
    }

    // The stored password is decrypted only to test it again; a key ring that lost its key is a message, not a crash.
    private string? TryOptionsFor(ClusterForm input, Cluster? stored, out RapiClientOptions options)
    {
        try
        {
            options = OptionsFor(input, stored);
            return null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            options = null!;
            return "The stored RAPI password can no longer be decrypted (the portal's data-protection keys changed). Type the password again.";
        }
    }

    private async Task<(ConnectionReport? Report, string? Problem)> CheckConnectionAsync(ClusterForm input, Cluster? stored, CancellationToken ct)
    {
        if (TryOptionsFor(input, stored, out var options) is { } keyProblem)
        {
            return (null, keyProblem + " Nothing was saved.");
        }

        var check = await tester.TestAsync(options, ct);
        if (check.Value is not { } report)
        {
            var hint = stored?.PresentedCertificateSha256 is not null && SamePin(input.CertificateSha256, stored.CertificateSha256)
                ? " The sync has already reported this change: accept the new certificate first."
                : "";
            return (null, check.Problem + hint + " Nothing was saved.");
        }

        if (report.WriteAccess == WriteAccess.No)
        {
            return (report,
                $"The RAPI user \"{input.RapiUsername}\" can only read: the cluster refused a request that needs the 'write' option (HTTP 403). " +
                "Give a RAPI user with 'write' in the cluster's users file, or clear user and password to register the cluster read-only. Nothing was saved.");
        }

        return (report, null);
    }

    private static async Task<string?> TrySaveAsync(AppDbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return null;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another admin registered the same slug or endpoint between our check and this insert.
            return "Another cluster with this slug or host and port was registered meanwhile. Nothing was saved; check the list.";
        }
    }

    private void Announce(int clusterId)
    {
        connector.Forget(clusterId);
        syncRequests.Request(clusterId);
        liveUpdates.Publish(new ClusterChanged(clusterId));
    }

    private static ResourceLimits Limits(ClusterQuotaForm quota) => new() { RamMiB = quota.RamMiB, DiskMiB = quota.DiskMiB, Vcpus = quota.Vcpus };

    /// <summary>Pins are stored as 64 lower-case hex digits.</summary>
    private static string Pin(string fingerprint) => CertificateFingerprint.Normalize(fingerprint).ToLowerInvariant();

    private static bool SamePin(string? a, string? b) => (a is null && b is null) || CertificateFingerprint.Matches(a, b);

    // character(64) columns come back padded when shorter; pins are always exactly 64, but be safe.
    private static string? Trim(string? value) => value?.Trim();

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {Slug} ({Hostname}:{Port}, read-only: {ReadOnly}) added by {User}")]
    private static partial void LogAdded(ILogger logger, string slug, string hostname, int port, bool readOnly, string user);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {Slug} ({Hostname}:{Port}, read-only: {ReadOnly}) edited by {User}; connection details changed: {ConnectionChanged}")]
    private static partial void LogUpdated(ILogger logger, string slug, string hostname, int port, bool readOnly, bool connectionChanged, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Slug}: certificate {Previous} replaced by {Accepted}, accepted by {User}")]
    private static partial void LogCertificateAccepted(ILogger logger, string slug, string previous, string accepted, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {Slug} deleted from the portal by {User}")]
    private static partial void LogDeleted(ILogger logger, string slug, string user);
}
