syntaxes/terraform/main.tf
resource "aws_vpc_dhcp_options" "main" {
  domain_name_servers = ["10.20.30.40"]
  ntp_servers         = ["10.20.30.40"]
}

data "template_file" "user_data" {
  template = file("${path.module}/templates/user_data.yaml.tpl")
  vars = {
    ntp_servers = join("\n", formatlist("    - %s", var.ntp_servers))
  }
}

resource "aws_instance" "node" {
  ami       = "ami-123"
  user_data = <<-EOT
    #cloud-config
    ntp:
      servers: ["10.20.30.40"]
  EOT
}
