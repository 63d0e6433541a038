import requests
r = requests.get(url, verify=True)
r2 = requests.get(url, verify="/etc/ssl/ca.pem")
