variable "ntp_server" {
  type    = string
  default = "10.20.30.40"
}

source "amazon-ebs" "ubuntu" {
  ami_name  = "ubuntu-10.20.30.40-backup"
  user_data = <<EOF
#cloud-config
ntp:
  servers: [ntp-old.corp.example.com]
EOF
}

build {
  sources = ["source.amazon-ebs.ubuntu"]

  provisioner "shell" {
    inline = [
      "echo 'server ${var.ntp_server} iburst' | sudo tee -a /etc/chrony/chrony.conf",
      "sudo ntpdate -u 10.20.30.40",
    ]
  }

  provisioner "file" {
    source      = "files/chrony.conf"
    destination = "/etc/chrony/chrony.conf"
  }

  provisioner "file" {
    content     = "server 2001:db8::123 iburst\n"
    destination = "/etc/chrony/sources.d/corp.sources"
  }
}
