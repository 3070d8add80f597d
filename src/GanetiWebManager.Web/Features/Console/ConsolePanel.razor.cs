using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;

namespace GanetiWebManager.Web.Features.Console;

public enum ConsoleState
{
    Idle,
    Requesting,
    Connecting,
    Connected,
    Disconnected,
}

/// <summary>
/// Connect asks <see cref="ConsoleService"/> (on the server, with the user's power permission checked) for a
/// ticket, then hands the relay address to noVNC in the browser. Status changes come back from the browser.
/// </summary>
public sealed partial class ConsolePanel : ComponentBase, IAsyncDisposable
{
    private ElementReference _frame;
    private ElementReference _screen;
    private IJSObjectReference? _module;
    private DotNetObjectReference<ConsolePanel>? _self;
    private ConsoleState _state = ConsoleState.Idle;
    private string? _message;
    private string? _desktopName;
    private bool _scale = true;
    private bool _confirmCtrlAltDel;
    private string _pasteText = "";
    private bool _disposed;

    // A short confirmation of the last action (e.g. Ctrl-Alt-Del sent), cleared by the next state change.
    private string? _note;

    [Inject]
    private ConsoleService Console { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthenticationState { get; set; }

    [Parameter, EditorRequired]
    public long VmId { get; set; }

    [Parameter, EditorRequired]
    public string VmName { get; set; } = "";

    [Parameter, EditorRequired]
    public string ClusterSlug { get; set; } = "";

    /// <summary>Whether the mirror says the VM runs; a stopped VM offers no Connect.</summary>
    [Parameter]
    public bool Running { get; set; }

    /// <summary>True in the pop-out window (no pop-out button there).</summary>
    [Parameter]
    public bool PopOut { get; set; }

    /// <summary>Connect as soon as the panel is shown.</summary>
    [Parameter]
    public bool AutoConnect { get; set; }

    public static string PopOutAddress(string clusterSlug, string vmName) =>
        Components.Shared.PortalLinks.Vm(clusterSlug, vmName) + "/console";

    private string StatusText => _state switch
    {
        ConsoleState.Idle when !Running => "The VM is not running, so it has no console.",
        ConsoleState.Idle => "Not connected.",
        ConsoleState.Requesting => "Asking the portal for a console ticket…",
        ConsoleState.Connecting => "Connecting to the VM's console…",
        ConsoleState.Connected => $"Connected{(string.IsNullOrEmpty(_desktopName) ? "" : $" to {_desktopName}")}. Keys go to the VM while the screen has the focus.",
        _ => _message ?? "Disconnected.",
    };

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "./Features/Console/ConsolePanel.razor.js");
            _self = DotNetObjectReference.Create(this);
            if (AutoConnect && Running)
            {
                await ConnectAsync();
            }

            // Connect is enabled only now: before the module is loaded a click could not reach noVNC.
            StateHasChanged();
        }
    }

    protected override async Task OnParametersSetAsync()
    {
        // The VM page re-renders on live updates: a VM that stopped has nothing left to show. The relay closes
        // the session itself (it watches the VM); this only keeps the buttons honest.
        if (!Running && _state is ConsoleState.Connected or ConsoleState.Connecting && _module is not null)
        {
            await DisconnectAsync();
        }
    }

    private async Task ConnectAsync()
    {
        if (_module is null || _state is ConsoleState.Requesting or ConsoleState.Connecting or ConsoleState.Connected)
        {
            return;
        }

        _state = ConsoleState.Requesting;
        _message = null;
        var user = AuthenticationState is null ? new System.Security.Claims.ClaimsPrincipal() : (await AuthenticationState).User;
        var grant = await Console.OpenAsync(user, VmId, CancellationToken.None);
        if (!grant.Granted)
        {
            _state = ConsoleState.Disconnected;
            _message = grant.Problem;
            return;
        }

        _state = ConsoleState.Connecting;
        await _module.InvokeVoidAsync("connect", _screen, grant.RelayPath, _self, _scale);
    }

    private async Task DisconnectAsync()
    {
        if (_module is not null)
        {
            await _module.InvokeVoidAsync("disconnect", _screen);
        }
    }

    private async Task SendCtrlAltDelAsync()
    {
        _confirmCtrlAltDel = false;
        if (_module is not null && _state == ConsoleState.Connected)
        {
            await _module.InvokeVoidAsync("sendCtrlAltDel", _screen);
            _note = "Ctrl-Alt-Del sent.";
        }
    }

    private async Task FullScreenAsync()
    {
        if (_module is not null)
        {
            await _module.InvokeVoidAsync("fullScreen", _frame);
        }
    }

    private async Task ScaleChangedAsync(ChangeEventArgs e)
    {
        _scale = e.Value is true;
        if (_module is not null)
        {
            await _module.InvokeVoidAsync("setScale", _screen, _scale);
        }
    }

    private async Task TypeTextAsync()
    {
        if (_module is not null && _state == ConsoleState.Connected && _pasteText.Length > 0)
        {
            await _module.InvokeAsync<int>("typeText", _screen, _pasteText);
        }
    }

    private async Task PopOutAsync()
    {
        // The tab's own session ends first: most VNC servers share, but two views of one console confuse.
        await DisconnectAsync();
        if (_module is not null)
        {
            await _module.InvokeAsync<bool>("openWindow", PopOutAddress(ClusterSlug, VmName), "gwm-console-" + VmId);
        }
    }

    [JSInvokable]
    public Task OnConnected() => Update(() =>
    {
        _state = ConsoleState.Connected;
        _message = null;
    });

    [JSInvokable]
    public Task OnDesktopName(string name) => Update(() => _desktopName = name);

    [JSInvokable]
    public Task OnDisconnected(bool clean, bool byUser, string reason) => Update(() =>
    {
        var wasConnected = _state == ConsoleState.Connected;
        _state = ConsoleState.Disconnected;
        _confirmCtrlAltDel = false;
        _message = byUser
            ? "Disconnected. Reconnect to open the console again."
            : !string.IsNullOrEmpty(reason)
                ? $"The console was closed: {reason} Reconnect to try again."
                : wasConnected
                    ? "The connection to the console was lost. Reconnect to try again."
                    : "The console could not be opened. Reconnect to try again.";
    });

    private Task Update(Action change)
    {
        if (_disposed)
        {
            return Task.CompletedTask;
        }

        return InvokeAsync(() =>
        {
            _note = null;
            change();
            StateHasChanged();
        });
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_module is not null)
        {
            try
            {
                await _module.InvokeVoidAsync("disconnect", _screen);
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The circuit is gone; so is the browser side.
            }
        }

        _self?.Dispose();
    }
}
