{#- interdict: installs the package, writes interdict.conf and one policy
    file (each checked by `interdict check` before it lands), reloads
    interdictd when the rules change, restarts it when a setting other than
    mode does, and switches the mode live. Pillar: see pillar.example;
    reference: "Config management" in policy/README.md. -#}
{%- from 'interdict/map.jinja' import interdict with context %}
{%- if interdict.mode not in ['audit', 'enforce'] %}
{{ raise("interdict:mode '" ~ interdict.mode ~ "'; expected audit or enforce") }}
{%- endif %}
{%- for p in [interdict.rules_file, interdict.config_file, interdict.cli] %}
{%- if not (p | regex_match('(/[A-Za-z0-9._/-]*[^/])')) or (p | regex_match('(/[A-Za-z0-9._/-]*[^/])'))[0] != p %}
{{ raise("interdict: '" ~ p ~ "' is not an absolute path of letters, digits and . _ / -") }}
{%- endif %}
{%- endfor %}
{%- set cli = interdict.cli %}
{%- set ctl = ('--control ' ~ interdict.config.control ~ ' ') if 'control' in interdict.config else '' %}
{%- set rules_dir = interdict.rules_file.rsplit('/', 1)[0] %}
{%- set rules_name = interdict.rules_file.rsplit('/', 1)[1] %}
{%- set etc_dir = interdict.config_file.rsplit('/', 1)[0] %}

interdict-package:
  pkg.installed:
{%- if interdict.package.endswith('.deb') %}
    - sources:
      - interdict: {{ interdict.package }}
{%- else %}
    - name: {{ interdict.package }}
{%- endif %}

interdict-config:
  file.managed:
    - name: {{ interdict.config_file }}
    - source: salt://interdict/files/interdict.conf.jinja
    - template: jinja
    - context:
        mode: {{ interdict.mode }}
        config: {{ interdict.config | json }}
    - user: root
    - group: root
    - mode: '0644'
    - check_cmd: {{ cli }} check --config
    - require:
      - pkg: interdict-package

interdict-rules:
  file.managed:
    - name: {{ interdict.rules_file }}
    - source: salt://interdict/files/rules.jinja
    - template: jinja
    - context:
        rules: {{ interdict.rules | json }}
    - user: root
    - group: root
    - mode: '0644'
    # Salt appends its temporary file: checked in the place of the rules
    # file (--as), so that clashes with the other files are found.
    - check_cmd: >-
        {{ cli }} check --config {{ interdict.config_file }}
        --dir {{ rules_dir }} --as {{ rules_name }}
    - require:
      - file: interdict-config

# The daemon reads settings other than mode only at start: this file holds
# them alone, so that it changes, and restarts the daemon, only when one of
# them does. It comes after the rules file, so a run whose rules were
# refused restarts on the next one.
interdict-settings:
  file.managed:
    - name: {{ etc_dir }}/.salt-settings
    - contents: {{ (interdict.config | dictsort | map('join', ' = ') | join('\n')) | json }}
    - require:
      - file: interdict-rules

# ExecReload is the synchronous `interdict reload`: a policy the daemon
# refuses fails the reload, hence the state, and the old policy stays.
interdict-service:
  service.running:
    - name: {{ interdict.service }}
    - enable: True
    - reload: True
    - watch:
      - file: interdict-rules

interdict-restart:
  cmd.run:
    - name: systemctl restart {{ interdict.service }}
    - onchanges:
      - file: interdict-settings
    - require:
      - service: interdict-service

# The daemon reads mode only at start; `interdict mode` switches it live.
# Checked against the running daemon on every run, so a mode switched by
# hand or a run that failed half-way is repaired too.
interdict-mode:
  cmd.run:
    - name: {{ cli }} {{ ctl }}mode {{ interdict.mode }}
    - unless: {{ cli }} {{ ctl }}-j status | grep -q '"mode":"{{ interdict.mode }}"'
    - require:
      - service: interdict-service
      - cmd: interdict-restart
      - file: interdict-config
