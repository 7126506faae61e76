"""Many county teams on one JupyterHub, each team member seeing only their county.

* :mod:`.teams` reads the small file the coordinator edits (who is in which
  county team, who coordinates);
* :mod:`.config` is what ``jupyterhub_config.py`` calls: groups, log-in,
  spawner, proxy; and ``orb hub-config``, which writes that file;
* :mod:`.singleuser` is each person's own server: the workbook (voila, code
  hidden) locked to their county, behind the hub's log-in.

docs/deploying.md "Many county teams on one JupyterHub" has the commands.
"""
