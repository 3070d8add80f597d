using System.Reflection;
using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;

namespace GanetiWebManager.Web.Tests.Features.Jobs;

/// <summary>
/// Wraps the real RAPI client so that a job submission reaches the server and is accepted, and then the portal sees
/// a timeout instead of the answer: "RAPI accepted the job, the portal never learnt its id". (A fake-server fault
/// cannot do this: a request the client gave up on is never handled.)
/// </summary>
internal sealed class LostAnswerRapiClientFactory(IGanetiRapiClientFactory inner) : IGanetiRapiClientFactory
{
    private int _answersToLose;

    /// <summary>The answer of the next <paramref name="count"/> job submissions is replaced by a timeout.</summary>
    public void LoseNextSubmissionAnswers(int count = 1) => Interlocked.Exchange(ref _answersToLose, count);

    public IGanetiRapiClient Create(RapiClientOptions options)
    {
        var proxy = DispatchProxy.Create<IGanetiRapiClient, Proxy>();
        ((Proxy)(object)proxy).Init(inner.Create(options), this);
        return proxy;
    }

    private bool TakeOne()
    {
        while (true)
        {
            var left = Volatile.Read(ref _answersToLose);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _answersToLose, left - 1, left) == left)
            {
                return true;
            }
        }
    }

#pragma warning disable CA1852 // DispatchProxy derives a class from it at run time: it must not be sealed.
    public class Proxy : DispatchProxy
#pragma warning restore CA1852
    {
        private IGanetiRapiClient _client = null!;
        private LostAnswerRapiClientFactory _owner = null!;

        internal void Init(IGanetiRapiClient client, LostAnswerRapiClientFactory owner)
        {
            _client = client;
            _owner = owner;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var result = targetMethod!.Invoke(_client, args);
            return result is Task<JobId> submission ? LoseAnswerAsync(submission) : result;
        }

        private async Task<JobId> LoseAnswerAsync(Task<JobId> submission)
        {
            var id = await submission;
            return _owner.TakeOne()
                ? throw new RapiTimeoutException("The cluster did not answer within 5 s.", TimeSpan.FromSeconds(5))
                : id;
        }
    }
}
