# puppet apply --modulepath policy/puppet policy/puppet/interdict/examples/init.pp
class { 'interdict':
  mode  => 'audit',
  rules => [
    { 'action' => 'deny', 'path' => '/opt/kaspersky/', 'id' => 'bod1701-tree',
      'msg' => 'BOD 17-01: "banned" vendor' },
    { 'action' => 'allow', 'path' => '/opt/kaspersky/kesl/bin/uninstall.sh',
      'id' => 'bod1701-uninstaller' },
    { 'action' => 'deny', 'path' => '/opt/Vendor Tools/run.sh', 'id' => 'vendor-script',
      'on' => ['exec', 'mmap', 'open'], 'mode' => 'audit' },
  ],
}
