// What the identity may do on the fleet. Reader where Resource Graph must see (this subscription, if
// asked; others by hand), and a custom role, narrower than Contributor, that people assign on each
// cluster (or its resource group) the product may migrate. Each action is the one an adapter calls:
// shared/azure/agent-pools.ts (ARM) and shared/kube (Kubernetes, through Azure RBAC for Kubernetes).
targetScope = 'subscription'

import { builtInRoles } from 'built-in-roles.bicep'

param principalId string
param grantReaderOnThisSubscription bool
param environmentName string
@description('More scopes (other subscriptions or resource groups) where the cluster role may be assigned.')
param additionalAssignableScopes array = []

// Resource Graph answers only with resources the identity can read; Microsoft.Compute SKUs and usages
// (the capacity check) come with it.
resource fleetReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantReaderOnThisSubscription) {
  name: guid(subscription().id, principalId, builtInRoles.reader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.reader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource clusterOperator 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, 'aks-image-lifecycle-cluster-operator', environmentName)
  properties: {
    roleName: 'AKS image lifecycle cluster operator (${environmentName})'
    description: 'Node pool migrations by aks-image-lifecycle: read the cluster, create, update and delete agent pools and their drained machines, read the user credential, and drain nodes through Azure RBAC for Kubernetes. No cluster writes, no admin credential, no secrets, no exec.'
    type: 'CustomRole'
    assignableScopes: concat([subscription().id], additionalAssignableScopes)
    permissions: [
      {
        actions: [
          'Microsoft.ContainerService/managedClusters/read'
          'Microsoft.ContainerService/managedClusters/agentPools/read'
          'Microsoft.ContainerService/managedClusters/agentPools/write'
          'Microsoft.ContainerService/managedClusters/agentPools/delete'
          'Microsoft.ContainerService/managedClusters/agentPools/deleteMachines/action'
          'Microsoft.ContainerService/managedClusters/agentPools/machines/read'
          'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action'
          'Microsoft.ContainerService/locations/operations/read'
        ]
        notActions: []
        dataActions: [
          'Microsoft.ContainerService/managedClusters/nodes/read'
          'Microsoft.ContainerService/managedClusters/nodes/write'
          'Microsoft.ContainerService/managedClusters/pods/read'
          'Microsoft.ContainerService/managedClusters/pods/write'
          'Microsoft.ContainerService/managedClusters/pods/delete'
          'Microsoft.ContainerService/managedClusters/namespaces/read'
          'Microsoft.ContainerService/managedClusters/namespaces/write'
          'Microsoft.ContainerService/managedClusters/persistentvolumes/read'
          'Microsoft.ContainerService/managedClusters/persistentvolumeclaims/read'
          'Microsoft.ContainerService/managedClusters/storage.k8s.io/csidrivers/read'
          'Microsoft.ContainerService/managedClusters/policy/poddisruptionbudgets/read'
          'Microsoft.ContainerService/managedClusters/apps/daemonsets/read'
          'Microsoft.ContainerService/managedClusters/apps/deployments/read'
          'Microsoft.ContainerService/managedClusters/apps/deployments/write'
          'Microsoft.ContainerService/managedClusters/apps/replicasets/read'
          'Microsoft.ContainerService/managedClusters/apps/statefulsets/read'
          'Microsoft.ContainerService/managedClusters/apps/statefulsets/write'
        ]
        notDataActions: []
      }
    ]
  }
}

output clusterOperatorRoleDefinitionId string = clusterOperator.id
