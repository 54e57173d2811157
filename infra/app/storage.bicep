// The app's storage account: the host's own state (AzureWebJobsStorage), the deployment package, and the
// product's tables. Reached by identity only: shared keys are off, so no connection string exists.
param name string
param deploymentContainerName string
param location string
param tags object

module account 'br/public:avm/res/storage/storage-account:0.14.3' = {
  name: 'storage-account'
  params: {
    name: name
    location: location
    tags: tags
    kind: 'StorageV2'
    skuName: 'Standard_LRS'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [
        { name: deploymentContainerName }
      ]
    }
  }
}

output name string = account.outputs.name
