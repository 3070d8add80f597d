using GanetiWebManager.Web.Features.VirtualMachines.Actions;

namespace GanetiWebManager.Web.Features.Jobs;

public static class JobsServiceCollectionExtensions
{
    /// <summary>
    /// Jobs through the outbox: submitter, reconciler, discovery (called by the sync's job pass), the background
    /// follower, and the first actions that use them (VM power).
    /// </summary>
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddOptions<JobsOptions>()
            .BindConfiguration(JobsOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.PollMinInterval <= o.PollMaxInterval, "Jobs:PollMinInterval must not exceed Jobs:PollMaxInterval.")
            .ValidateOnStart();
        services.AddSingleton<JobTestingPause>();
        services.AddSingleton<JobFollower>();
        services.AddHostedService(sp => sp.GetRequiredService<JobFollower>());
        services.AddSingleton<JobSubmitter>();
        services.AddSingleton<JobReconciler>();
        services.AddSingleton<JobDiscovery>();
        services.AddSingleton<JobReader>();
        services.AddSingleton<VmActionRunner>();
        services.AddSingleton<VmPowerService>();
        services.AddSingleton<VmOwnerService>();
        return services;
    }
}
