-- 0009: the console (issue 6). A cluster's VNC password, encrypted with ASP.NET Core Data Protection like the
-- RAPI password; null when the nodes' VNC servers need none. The relay authenticates to the node with it,
-- so no browser ever sees it.

ALTER TABLE clusters ADD COLUMN vnc_password_protected text;
