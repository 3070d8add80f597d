using System.Diagnostics;
using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Jobs;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Jobs;

/// <summary>Users, and waiting for jobs to reach a state, for the job tests.</summary>
internal static class JobsTestSupport
{
    /// <summary>Creates an account and returns the principal a signed-in session of it would carry.</summary>
    public static async Task<ClaimsPrincipal> CreateUserAsync(IServiceProvider services, string name, bool superuser)
    {
        await using var scope = services.CreateAsyncScope();
        var user = new AppUser { UserName = name, IsSuperuser = superuser };
        (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, "a long test password")).Succeeded.ShouldBeTrue();
        return new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
                new Claim(ClaimTypes.Name, name),
                // What the cookie says; the server must not trust it (it re-reads the database).
                new Claim(Web.Features.Accounts.PortalClaims.Superuser, "true"),
            ],
            "test"));
    }

    public static async Task<Job> JobAsync(IServiceProvider services, long jobId)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId);
    }

    public static async Task<Job> WaitForAsync(IServiceProvider services, long jobId, Func<Job, bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var job = await JobAsync(services, jobId);
            if (condition(job))
            {
                return job;
            }

            if (clock.Elapsed > timeout)
            {
                throw new ShouldAssertException(
                    $"Job {jobId} did not {what} within {timeout.TotalSeconds:0} s: status {job.Status}, submission {job.Submission}, " +
                    $"Ganeti id {job.GanetiJobId}, error '{job.ErrorMessage ?? job.SubmissionError}'.");
            }

            await Task.Delay(100);
        }
    }

    public static Task<Job> WaitForEndAsync(IServiceProvider services, long jobId, TimeSpan? timeout = null) =>
        WaitForAsync(services, jobId, j => j.IsFinished, timeout ?? TimeSpan.FromSeconds(60), "end");
}
