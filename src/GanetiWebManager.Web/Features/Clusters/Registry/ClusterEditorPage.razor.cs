using GanetiWebManager.Rapi.Security;
using GanetiWebManager.Web.Components.Shared.Forms;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Radzen;

namespace GanetiWebManager.Web.Features.Clusters.Registry;

/// <summary>
/// Add (<c>/admin/clusters/new</c>) or edit (<c>/admin/clusters/{slug}/edit</c>) a cluster. The page only guides:
/// every action goes through <see cref="ClusterRegistryService"/>, which checks the user and the input again.
/// </summary>
public sealed partial class ClusterEditorPage : IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private ClusterForm? _form;
    private EditContext? _editContext;
    private FluentValidator? _validator;
    private ClusterEditView? _view;
    private string? _loadedSlug;
    private bool _loaded;
    private bool _notFound;
    private bool _slugTouched;
    private IDisposable? _subscription;

    private RapiServerCertificate? _fetched;
    private string? _fetchProblem;
    private ConnectionReport? _report;
    private string? _testProblem;
    private string? _error;
    private string? _notice;
    private string? _busy;

    private RapiServerCertificate? _presentedFetch;
    private bool _acceptConfirmed;
    private string? _acceptProblem;

    [Parameter]
    public string? Slug { get; set; }

    [Inject]
    private ClusterRegistryService Registry { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private LiveUpdateHub LiveUpdates { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private DialogService Dialogs { get; set; } = default!;

    [Inject]
    private ILogger<ClusterEditorPage> Logger { get; set; } = default!;

    private bool IsNew => Slug is null;

    private string Title => IsNew ? "Add a cluster" : $"Edit cluster {Slug}";

    private DateTimeOffset Now => Time.GetUtcNow();

    private bool EndpointUnchanged =>
        _view is not null && _form is not null && NetworkNames.Normalize(_form.Hostname) == _view.Hostname && _form.Port == _view.Port;

    public void Dispose()
    {
        _subscription?.Dispose();
        _disposed.Cancel();
        _disposed.Dispose();
    }

    protected override async Task OnParametersSetAsync()
    {
        if (_loaded && _loadedSlug == Slug)
        {
            return;
        }

        _loaded = true;
        _loadedSlug = Slug;
        _subscription?.Dispose();
        _subscription = null;
        ResetMessages();
        _fetched = null;
        _presentedFetch = null;
        if (IsNew)
        {
            _view = null;
            _form = new ClusterForm();
            _slugTouched = false;
        }
        else
        {
            _view = await Registry.GetForEditAsync(Slug!, _disposed.Token);
            _notFound = _view is null;
            _form = _view?.Form;
            _slugTouched = true;
            if (_view is not null)
            {
                var id = _view.Id;
                _subscription = LiveUpdates.Subscribe(c => c is ClusterChanged && c.ClusterId == id, RefreshStatusAsync);
            }
        }

        _editContext = _form is null ? null : new EditContext(_form);
    }

    // The sync (or another admin) changed this cluster: refresh what the page shows about its state, never the
    // fields being edited.
    private Task RefreshStatusAsync() => InvokeAsync(async () =>
    {
        if (_view is null || _disposed.IsCancellationRequested)
        {
            return;
        }

        var fresh = await Registry.GetForEditAsync(_loadedSlug!, _disposed.Token);
        if (fresh is null || fresh.Id != _view.Id)
        {
            _error = "This cluster was renamed or deleted meanwhile (by another admin). Go back to the list.";
        }
        else
        {
            _view = _view with { PinnedSha256 = fresh.PinnedSha256, PresentedSha256 = fresh.PresentedSha256, Sync = fresh.Sync };
        }

        StateHasChanged();
    });

    private async Task HostnameChangedAsync()
    {
        EndpointChanged();
        if (!IsNew || _slugTouched || _form is null || _editContext is null)
        {
            return;
        }

        await RunAsync(null, async ct =>
        {
            var suggestion = await Registry.SuggestSlugAsync(_form.Hostname, null, ct);
            if (suggestion.Length > 0 && suggestion != _form.Slug)
            {
                _form.Slug = suggestion;
                _editContext.NotifyFieldChanged(FieldIdentifier.Create(() => _form.Slug));
            }
        });
    }

    // A certificate belongs to a host and port: another endpoint needs its certificate fetched and accepted again.
    private void EndpointChanged()
    {
        if (_form is null)
        {
            return;
        }

        _fetched = null;
        _fetchProblem = null;
        _report = null;
        _testProblem = null;
        if (EndpointUnchanged && _view?.PinnedSha256 is { } pinned)
        {
            _form.CertificateSha256 = pinned;
            _form.CertificateConfirmed = true;
        }
        else
        {
            _form.CertificateSha256 = null;
            _form.CertificateConfirmed = false;
        }
    }

    private Task FetchCertificateAsync() => RunAsync("Fetching the certificate…", async ct =>
    {
        _fetchProblem = null;
        _fetched = null;
        var check = await Registry.FetchCertificateAsync(_form!.Hostname, _form.Port, ct);
        if (check.Value is not { } certificate)
        {
            _fetchProblem = check.Problem;
            return;
        }

        _fetched = certificate;
        if (_view?.PinnedSha256 is { } pinned && EndpointUnchanged && CertificateFingerprint.Matches(certificate.Sha256, pinned))
        {
            _form.CertificateSha256 = pinned;
            _form.CertificateConfirmed = true;
        }
        else
        {
            _form.CertificateSha256 = certificate.Sha256;
            _form.CertificateConfirmed = false;
        }

        _editContext!.NotifyFieldChanged(FieldIdentifier.Create(() => _form.CertificateSha256));
    });

    private Task TestConnectionAsync() => RunAsync("Testing the connection…", async ct =>
    {
        _report = null;
        _testProblem = null;
        var outcome = await Registry.TestConnectionAsync(_form!, ct);
        if (outcome.Failures.Count > 0)
        {
            _validator?.ShowErrors(outcome.Failures);
            _testProblem = "Fix the marked fields first.";
        }
        else if (outcome.Error is not null)
        {
            _testProblem = outcome.Error;
        }
        else
        {
            _report = outcome.Report;
        }
    });

    private Task SaveAsync() => RunAsync(IsNew ? "Saving: checking everything and testing the connection…" : "Saving…", async ct =>
    {
        ResetMessages();
        if (_validator is null || !await _validator.ValidateAsync(ct))
        {
            _error = "Some fields need attention; nothing was saved.";
            return;
        }

        var outcome = IsNew ? await Registry.CreateAsync(_form!, ct) : await Registry.UpdateAsync(_view!.Id, _form!, ct);
        if (outcome.Succeeded)
        {
            Navigation.NavigateTo($"/admin/clusters?saved={Uri.EscapeDataString(outcome.Slug!)}");
            return;
        }

        if (outcome.Failures.Count > 0)
        {
            _validator.ShowErrors(outcome.Failures);
        }

        _error = outcome.Error;
        _report = outcome.Report;
    });

    private Task FetchPresentedAsync() => RunAsync("Fetching the certificate…", async ct =>
    {
        _acceptProblem = null;
        _presentedFetch = null;
        _acceptConfirmed = false;
        var check = await Registry.FetchCertificateAsync(_view!.Hostname, _view.Port, ct);
        _presentedFetch = check.Value;
        _acceptProblem = check.Problem;
    });

    private Task AcceptPresentedAsync() => RunAsync("Pinning the new certificate…", async ct =>
    {
        _acceptProblem = null;
        var outcome = await Registry.AcceptPresentedCertificateAsync(_view!.Id, _presentedFetch!.Sha256, ct);
        if (!outcome.Succeeded)
        {
            _acceptProblem = outcome.Error;
            return;
        }

        var fresh = await Registry.GetForEditAsync(_loadedSlug!, ct);
        if (fresh is not null)
        {
            _view = _view with { PinnedSha256 = fresh.PinnedSha256, PresentedSha256 = fresh.PresentedSha256, Sync = fresh.Sync };
            if (EndpointUnchanged)
            {
                _form!.CertificateSha256 = fresh.PinnedSha256;
                _form.CertificateConfirmed = true;
                _fetched = null;
            }
        }

        _presentedFetch = null;
        _acceptConfirmed = false;
        _notice = "The new certificate is pinned; the sync resumes now.";
    });

    private Task DeleteAsync() => RunAsync(null, async ct =>
    {
        if (await DeleteClusterDialog.OpenAsync(Dialogs, Registry, _view!.Id, ct) is { } deleted)
        {
            Navigation.NavigateTo($"/admin/clusters?deleted={Uri.EscapeDataString(deleted)}");
        }
    });

    /// <summary>Runs one action at a time; whatever goes wrong ends as a message on the page, never a broken circuit.</summary>
    private async Task RunAsync(string? busy, Func<CancellationToken, Task> action)
    {
        if (_busy is not null)
        {
            return;
        }

        _busy = busy;
        try
        {
            await action(_disposed.Token);
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            // The page was closed.
        }
        catch (UnauthorizedAccessException ex)
        {
            _error = ex.Message;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogActionFailed(Logger, ex);
            _error = $"That did not work: {ex.Message}";
        }
        finally
        {
            _busy = null;
        }
    }

    private void ResetMessages()
    {
        _error = null;
        _notice = null;
        _testProblem = null;
        _acceptProblem = null;
    }

    private static string Format(string? fingerprint) =>
        fingerprint is null ? "(none)" : CertificateFingerprint.TryNormalize(fingerprint, out _) ? CertificateFingerprint.Format(fingerprint) : fingerprint;

    private static string WriteAccessText(WriteAccess access) => access switch
    {
        WriteAccess.Yes => "The user may make changes.",
        WriteAccess.No => "The user can only read: changes would be refused.",
        WriteAccess.Unknown => "Whether the user may make changes could not be checked.",
        _ => "No credentials: the cluster will be read-only.",
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "A cluster registry action failed")]
    private static partial void LogActionFailed(ILogger logger, Exception exception);
}
