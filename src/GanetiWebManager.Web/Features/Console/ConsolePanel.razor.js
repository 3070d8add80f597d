// The browser half of the console: noVNC's RFB client over a WebSocket to the portal's relay. The WebSocket is
// opened here (not by noVNC) so that the relay's close reason reaches the status line.
import RFB from '../../lib/novnc/core/rfb.js';
import KeyTable from '../../lib/novnc/core/input/keysym.js';
import keysyms from '../../lib/novnc/core/input/keysymdef.js';

const sessions = new WeakMap();

export function connect(screen, relayPath, dotnet, scale) {
    disconnect(screen);
    const url = new URL(relayPath, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url.href, ['binary']);
    const session = { socket, rfb: null, closeReason: '', userEnded: false };
    sessions.set(screen, session);
    socket.addEventListener('close', e => { session.closeReason = e.reason || ''; });

    const rfb = new RFB(screen, socket, { shared: true });
    session.rfb = rfb;
    rfb.scaleViewport = !!scale;
    rfb.resizeSession = false;
    rfb.focusOnClick = true;
    rfb.addEventListener('connect', () => {
        screen.dataset.state = 'connected';
        dotnet.invokeMethodAsync('OnConnected');
    });
    rfb.addEventListener('desktopname', e => dotnet.invokeMethodAsync('OnDesktopName', e.detail.name || ''));
    rfb.addEventListener('securityfailure', e => { session.closeReason = e.detail.reason || 'The VNC server refused the connection.'; });
    rfb.addEventListener('disconnect', e => {
        screen.dataset.state = 'disconnected';
        if (sessions.get(screen) === session) {
            sessions.delete(screen);
        }
        // The close event may come a moment after noVNC's disconnect: give it a turn to fill the reason.
        setTimeout(() => dotnet.invokeMethodAsync('OnDisconnected', !!e.detail.clean, session.userEnded, session.closeReason), 0);
    });
    screen.dataset.state = 'connecting';
}

export function disconnect(screen) {
    const session = sessions.get(screen);
    if (session) {
        session.userEnded = true;
        session.rfb.disconnect();
    }
}

export function sendCtrlAltDel(screen) {
    sessions.get(screen)?.rfb.sendCtrlAltDel();
}

export function setScale(screen, scale) {
    const session = sessions.get(screen);
    if (session) {
        session.rfb.scaleViewport = !!scale;
    }
}

export function fullScreen(element) {
    if (element.requestFullscreen) {
        element.requestFullscreen().catch(() => { });
    }
    sessions.get(element.querySelector('[data-console-screen]'))?.rfb.focus();
}

// Types the text as key presses: each character becomes its X keysym, line breaks become Return.
export function typeText(screen, text) {
    const rfb = sessions.get(screen)?.rfb;
    if (!rfb) {
        return 0;
    }
    let sent = 0;
    for (const ch of text.replace(/\r\n?/g, '\n')) {
        let keysym;
        if (ch === '\n') {
            keysym = KeyTable.XK_Return;
        } else if (ch === '\t') {
            keysym = KeyTable.XK_Tab;
        } else {
            keysym = keysyms.lookup(ch.codePointAt(0));
        }
        rfb.sendKey(keysym, null, true);
        rfb.sendKey(keysym, null, false);
        sent++;
    }
    rfb.focus();
    return sent;
}

export function openWindow(url, name) {
    const opened = window.open(url, name, 'popup,width=1060,height=820');
    opened?.focus();
    return !!opened;
}
