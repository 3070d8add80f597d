using System.Security.Cryptography;
using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>Reads a cluster's VNC password for the relay, at connect time only (it is not kept in tickets).</summary>
public sealed class ConsolePasswords(IDbContextFactory<AppDbContext> contextFactory, VncPasswordProtector protector)
{
    public async Task<string?> ForClusterAsync(int clusterId, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var stored = await db.Clusters.AsNoTracking().Where(c => c.Id == clusterId).Select(c => c.VncPasswordProtected).SingleOrDefaultAsync(ct);
        try
        {
            return protector.Unprotect(stored);
        }
        catch (CryptographicException e)
        {
            throw new ConsolePasswordException(
                "The cluster's VNC password can no longer be decrypted (the portal's data-protection keys changed). An administrator sets it again in the cluster's settings.", e);
        }
    }
}

public sealed class ConsolePasswordException(string message, Exception inner) : Exception(message, inner);
