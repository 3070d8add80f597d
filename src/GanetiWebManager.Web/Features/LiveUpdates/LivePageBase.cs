using System.Data.Common;
using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace GanetiWebManager.Web.Features.LiveUpdates;

/// <summary>
/// A page that shows a <typeparamref name="TModel"/> read from the database and re-reads it whenever the
/// <see cref="LiveUpdateHub"/> reports a change the page shows (no timers). Loads are "latest wins": a
/// load started by a newer change or navigation replaces an older one still running, so an out-of-date
/// answer never overwrites a newer one. A database that cannot be read ends in a message, not an error page.
/// </summary>
public abstract partial class LivePageBase<TModel> : ComponentBase, IDisposable
    where TModel : class
{
    private IDisposable? _subscription;
    private CancellationTokenSource? _loading;
    private long _loadVersion;
    private bool _disposed;

    [Inject]
    protected LiveUpdateHub LiveUpdates { get; set; } = default!;

    [Inject]
    protected TimeProvider Clock { get; set; } = default!;

    [Inject]
    private ILogger<LivePageBase<TModel>> Logger { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>What the last load returned; null before the first load ends and when there is nothing to show.</summary>
    protected TModel? Model { get; private set; }

    /// <summary>True once a load has ended: a null <see cref="Model"/> then means "not found".</summary>
    protected bool Loaded { get; private set; }

    /// <summary>Set when the last load failed because the database could not be read.</summary>
    protected string? LoadError { get; private set; }

    /// <summary>Whether a change concerns what this page shows. Called on the publisher's thread: keep it cheap.</summary>
    protected abstract bool ShowsChange(PortalChange change);

    /// <summary>Reads what the page shows for <paramref name="user"/>; null when it does not exist.</summary>
    protected abstract Task<TModel?> LoadAsync(ClaimsPrincipal user, CancellationToken ct);

    protected override Task OnParametersSetAsync() => ReloadAsync();

    protected override void OnAfterRender(bool firstRender)
    {
        // Only the interactive render gets here (never prerendering), so a subscription always has a
        // circuit to update and is disposed with it.
        if (firstRender && !_disposed)
        {
            _subscription = LiveUpdates.Subscribe(change => change is AccessChanged || ShowsChange(change), OnChangeAsync);
        }
    }

    protected async Task ReloadAsync()
    {
        _loading?.Cancel();
        using var loading = new CancellationTokenSource();
        _loading = loading;
        var version = ++_loadVersion;
        try
        {
            var user = AuthenticationState is null ? new ClaimsPrincipal() : (await AuthenticationState).User;
            var model = await LoadAsync(user, loading.Token);
            if (version == _loadVersion)
            {
                Model = model;
                Loaded = true;
                LoadError = null;
            }
        }
        catch (OperationCanceledException) when (loading.IsCancellationRequested)
        {
            // Replaced by a newer load, or the page went away.
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            LogLoadFailed(Logger, e, GetType().Name);
            if (version == _loadVersion)
            {
                // Keep showing what was read before: stale data with a message beats an empty page.
                Loaded = true;
                LoadError = "The portal's database could not be read just now; what is shown may be out of date. Reload the page to try again.";
            }
        }
        finally
        {
            if (ReferenceEquals(_loading, loading))
            {
                _loading = null;
            }
        }
    }

    private Task OnChangeAsync() => _disposed
        ? Task.CompletedTask
        : InvokeAsync(async () =>
        {
            if (_disposed)
            {
                return;
            }

            await ReloadAsync();
            StateHasChanged();
        });

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            _subscription?.Dispose();
            _loading?.Cancel();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Page} could not read the database")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string page);
}
